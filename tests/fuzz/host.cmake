# libFuzzer targets. They need clang (-fsanitize=fuzzer); with any other
# compiler they are skipped here and built by their run script instead
# (tests/fuzz/run.sh), which always uses clang.
include_guard(GLOBAL)

if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # bh_add_fuzzer(<name> <sources>...): a fuzzer with ASan and UBSan, also
  # registered as a short ctest run.
  function(bh_add_fuzzer name)
    add_executable(${name} ${ARGN})
    target_link_libraries(${name} PRIVATE bh_headers)
    target_compile_options(${name} PRIVATE
      -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -O1 -g)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    add_test(NAME ${name} COMMAND ${name} -runs=20000 -seed=1 -max_len=4096)
  endfunction()

  include(${CMAKE_SOURCE_DIR}/inmates/rtos/ipc/host.cmake)  # BH_IPC_SOURCES
  bh_add_fuzzer(mailbox_receiver_fuzz
    ${CMAKE_CURRENT_LIST_DIR}/mailbox_receiver.cpp ${BH_IPC_SOURCES})
  target_include_directories(mailbox_receiver_fuzz PRIVATE ${BH_IPC_DIR}/..)
endif()

if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # With gcc building the tree, the run script builds the fuzzer with clang
  # and runs a fixed, seeded number of inputs, so make check fuzzes too.
  add_test(NAME mailbox_receiver_fuzz COMMAND ${CMAKE_CURRENT_LIST_DIR}/run.sh)
  set_tests_properties(mailbox_receiver_fuzz PROPERTIES ENVIRONMENT "RUNS=50000;FUZZ_SEED=1")
endif()
