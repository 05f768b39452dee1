# The CLI binary's exit codes and messages (needs `make configs` first,
# which `make unit-test` does).
add_test(NAME cli_contract
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/cli_test.sh $<TARGET_FILE:bulkhead> ${CMAKE_SOURCE_DIR}
          ${CMAKE_SOURCE_DIR}/build/cells)
