# The bulkhead CLI. Linked statically so it runs in the QEMU virtual PC's
# busybox initramfs as well as on any target.
find_package(CLI11 CONFIG QUIET)
set(bh_cli_sources
  ${CMAKE_CURRENT_LIST_DIR}/files.cpp
  ${CMAKE_CURRENT_LIST_DIR}/driver_client.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config_collect.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bound_channel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cell_commands.cpp
  ${CMAKE_CURRENT_LIST_DIR}/channel_commands.cpp)
add_library(bh_cli_lib STATIC ${bh_cli_sources})
target_link_libraries(bh_cli_lib PUBLIC bh_core_host bh_headers bh_sched_check bh_ipc)
target_include_directories(bh_cli_lib PUBLIC ${CMAKE_CURRENT_LIST_DIR})

add_executable(bulkhead ${CMAKE_CURRENT_LIST_DIR}/main.cpp)
target_link_libraries(bulkhead PRIVATE bh_cli_lib)
target_link_options(bulkhead PRIVATE -static)
