# Each subdirectory of tests/unit with a host.cmake adds its own test binaries.
file(GLOB bh_unit_parts ${CMAKE_CURRENT_LIST_DIR}/*/host.cmake)
list(SORT bh_unit_parts)
foreach(part ${bh_unit_parts})
  include(${part})
endforeach()
