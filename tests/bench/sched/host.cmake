# Cost of a scheduling decision vs the number of VCPUs on a CPU, and of the
# admission test vs the set size. Prints figures; asserts nothing.
add_executable(bench_sched ${CMAKE_CURRENT_LIST_DIR}/sched_bench.cpp)
target_link_libraries(bench_sched PRIVATE bh_rtos_sched_host benchmark::benchmark)
