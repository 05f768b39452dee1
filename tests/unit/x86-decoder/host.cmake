# The hypervisor's x86 instruction decoder (xAPIC write emulation) and IPI
# filter, built for the host from the same sources as the hypervisor image.
add_executable(x86_decoder_test
  ${CMAKE_CURRENT_LIST_DIR}/decoder_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/icr_filter_test.cpp
  ${CMAKE_SOURCE_DIR}/hypervisor/arch/x86/mmio_decoder.cpp
  ${CMAKE_SOURCE_DIR}/hypervisor/arch/x86/icr_filter.cpp)
target_include_directories(x86_decoder_test PRIVATE ${CMAKE_SOURCE_DIR}/hypervisor/arch/x86)
target_link_libraries(x86_decoder_test PRIVATE bh_headers GTest::gtest_main)
gtest_discover_tests(x86_decoder_test)
