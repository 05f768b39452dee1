# RTOS scheduling core: sporadic servers, rate-monotonic scheduler, admission.
include_guard(GLOBAL)
set(bh_rtos_sched_sources
  ${CMAKE_CURRENT_LIST_DIR}/sporadic_server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scheduler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/admission.cpp)

# For the host: unit tests, benchmarks, `bulkhead sched check`.
# Include as "sched/scheduler.h".
add_library(bh_rtos_sched_host STATIC ${bh_rtos_sched_sources})
target_link_libraries(bh_rtos_sched_host PUBLIC bh_headers)
target_include_directories(bh_rtos_sched_host PUBLIC ${CMAKE_CURRENT_LIST_DIR}/..)

# The same sources as the RTOS kernel builds them: freestanding, no
# exceptions, no RTTI, no SSE. Part of every build, so code that needs a
# hosted library fails to compile here; the test rtos_sched_freestanding
# also checks the objects reference no symbol but the four that freestanding
# GCC code may always call (memcpy, memmove, memset, memcmp).
add_library(bh_rtos_sched_freestanding OBJECT ${bh_rtos_sched_sources})
target_link_libraries(bh_rtos_sched_freestanding PRIVATE bh_headers)
target_compile_options(bh_rtos_sched_freestanding PRIVATE
  -ffreestanding -fno-exceptions -fno-rtti -nostdlib
  -fno-asynchronous-unwind-tables -mno-red-zone -mgeneral-regs-only)

# Parsing, analysis and output of `bulkhead sched check FILE [--json]`
# (tools/cli/sched_check.cpp). Defined here rather than in tools/cli so the
# CLI and the unit tests can both link it.
add_library(bh_sched_check STATIC ${CMAKE_SOURCE_DIR}/tools/cli/sched_check.cpp)
target_link_libraries(bh_sched_check PUBLIC bh_rtos_sched_host)
target_include_directories(bh_sched_check PUBLIC ${CMAKE_SOURCE_DIR}/tools/cli)
