# Each subdirectory of tests/bench with a host.cmake adds its own benchmark binaries.
file(GLOB bh_bench_parts ${CMAKE_CURRENT_LIST_DIR}/*/host.cmake)
list(SORT bh_bench_parts)
foreach(part ${bh_bench_parts})
  include(${part})
endforeach()
