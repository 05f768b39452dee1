# RTOS scheduling core: rules, scheduler, admission, the randomised
# simulation, the POSIX defect scenarios, and `bulkhead sched check`.
add_library(bh_rtos_sched_sim STATIC
  ${CMAKE_CURRENT_LIST_DIR}/posix_sporadic_server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/simulator.cpp
  ${CMAKE_CURRENT_LIST_DIR}/trace_checks.cpp)
target_link_libraries(bh_rtos_sched_sim PUBLIC bh_rtos_sched_host)

add_executable(rtos_sched_test
  ${CMAKE_CURRENT_LIST_DIR}/sporadic_server_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scheduler_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/admission_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/posix_defects_test.cpp)
target_link_libraries(rtos_sched_test PRIVATE bh_rtos_sched_sim GTest::gmock GTest::gtest_main)
gtest_discover_tests(rtos_sched_test)

# Separate binary: the long-running simulation shards run in parallel.
add_executable(rtos_sched_sim_test ${CMAKE_CURRENT_LIST_DIR}/simulation_test.cpp)
target_link_libraries(rtos_sched_sim_test PRIVATE bh_rtos_sched_sim GTest::gtest_main)
gtest_discover_tests(rtos_sched_sim_test PROPERTIES TIMEOUT 120)

add_executable(sched_check_test ${CMAKE_CURRENT_LIST_DIR}/sched_check_test.cpp)
target_link_libraries(sched_check_test PRIVATE bh_sched_check GTest::gtest_main)
target_compile_definitions(sched_check_test PRIVATE BH_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
gtest_discover_tests(sched_check_test)

# The scheduling core must stay freestanding: the objects built with kernel
# flags (bh_rtos_sched_freestanding) may only call what GCC may emit itself.
add_test(NAME rtos_sched_freestanding
  COMMAND ${CMAKE_COMMAND} -DNM=${CMAKE_NM}
          "-DOBJECTS=$<TARGET_OBJECTS:bh_rtos_sched_freestanding>"
          -P ${CMAKE_CURRENT_LIST_DIR}/check_freestanding_symbols.cmake)
