# Mailbox channel benchmark (prints figures, asserts nothing):
#   make bench T=mailbox, or build/host/bench_mailbox
#   (Documentation/performance.md, "Channels (host)")
include(${CMAKE_SOURCE_DIR}/inmates/rtos/ipc/host.cmake)  # bh_ipc

add_executable(bench_mailbox ${CMAKE_CURRENT_LIST_DIR}/mailbox_bench.cpp)
target_link_libraries(bench_mailbox PRIVATE bh_ipc benchmark::benchmark Threads::Threads)
