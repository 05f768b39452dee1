add_executable(lib_test ${CMAKE_CURRENT_LIST_DIR}/result_format_test.cpp)
target_link_libraries(lib_test PRIVATE bh_headers GTest::gtest_main)
gtest_discover_tests(lib_test)
