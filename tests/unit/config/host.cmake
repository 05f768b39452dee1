# Validator tests: the negative corpus (tests/configs/bad), the good configs,
# structural robustness, ABI layout.
add_executable(config_test
  ${CMAKE_CURRENT_LIST_DIR}/corpus_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/validator_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/abi_test.cpp)
target_link_libraries(config_test PRIVATE bh_core_host GTest::gtest_main)
target_compile_definitions(config_test PRIVATE
  BH_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
  BH_CELL_DIR="${CMAKE_SOURCE_DIR}/build/cells")
gtest_discover_tests(config_test)
