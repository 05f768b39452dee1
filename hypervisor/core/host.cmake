# The portable hypervisor core, built for the host (tests and the CLI).
add_library(bh_core_host STATIC
  ${CMAKE_CURRENT_LIST_DIR}/config_validator.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config_set.cpp)
target_link_libraries(bh_core_host PUBLIC bh_headers)
target_include_directories(bh_core_host PUBLIC ${CMAKE_CURRENT_LIST_DIR})
