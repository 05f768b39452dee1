# The RTOS's portable parts built for the host (unit tests, benchmarks, the
# CLI). Each subsystem directory with a host.cmake adds its own targets.
file(GLOB bh_rtos_parts ${CMAKE_CURRENT_LIST_DIR}/*/host.cmake)
list(SORT bh_rtos_parts)
foreach(part ${bh_rtos_parts})
  include(${part})
endforeach()
