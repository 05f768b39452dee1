# The hypervisor's page pool and x86 page-table builder on the host, over a
# fake hypervisor memory (a heap buffer standing in for physical memory).
add_executable(hv_paging_test
  ${CMAKE_CURRENT_LIST_DIR}/paging_test.cpp
  ${CMAKE_SOURCE_DIR}/hypervisor/core/page_pool.cpp
  ${CMAKE_SOURCE_DIR}/hypervisor/arch/x86/paging.cpp)
target_link_libraries(hv_paging_test PRIVATE bh_core_host GTest::gtest_main)
target_include_directories(hv_paging_test PRIVATE ${CMAKE_SOURCE_DIR}/hypervisor/core)
gtest_discover_tests(hv_paging_test)

# The PCI configuration-space policy for devices given to cells.
add_executable(hv_pci_test ${CMAKE_CURRENT_LIST_DIR}/pci_test.cpp)
target_link_libraries(hv_pci_test PRIVATE bh_core_host GTest::gtest_main)
target_include_directories(hv_pci_test PRIVATE ${CMAKE_SOURCE_DIR}/hypervisor/core)
gtest_discover_tests(hv_pci_test)

# The virtual PCI device of a cell's channel.
add_executable(hv_channel_device_test ${CMAKE_CURRENT_LIST_DIR}/channel_device_test.cpp
  ${CMAKE_SOURCE_DIR}/hypervisor/core/channel_device.cpp)
target_link_libraries(hv_channel_device_test PRIVATE bh_core_host GTest::gtest_main)
target_include_directories(hv_channel_device_test PRIVATE ${CMAKE_SOURCE_DIR}/hypervisor/core)
gtest_discover_tests(hv_channel_device_test)
