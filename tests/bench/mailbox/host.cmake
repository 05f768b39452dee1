# Mailbox channel benchmark (prints figures, asserts nothing):
#   build/host/mailbox_bench    (Documentation/performance.md, "Channels (host)")
include(${CMAKE_SOURCE_DIR}/inmates/rtos/ipc/host.cmake)  # bh_ipc

add_executable(mailbox_bench ${CMAKE_CURRENT_LIST_DIR}/mailbox_bench.cpp)
target_link_libraries(mailbox_bench PRIVATE bh_ipc benchmark::benchmark Threads::Threads)
