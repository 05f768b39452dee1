# Mailbox protocol and channel bound: unit tests, the two-thread test under
# ThreadSanitizer, and compile checks of the portable sources (freestanding
# C++) and of the ABI header (kernel-style C).
include(GoogleTest)
include(${CMAKE_SOURCE_DIR}/inmates/rtos/ipc/host.cmake)  # bh_ipc, BH_IPC_SOURCES

set(bh_mailbox_test_dir ${CMAKE_CURRENT_LIST_DIR})

add_executable(mailbox_test
  ${bh_mailbox_test_dir}/protocol_test.cpp
  ${bh_mailbox_test_dir}/malicious_test.cpp
  ${bh_mailbox_test_dir}/bound_test.cpp
  ${bh_mailbox_test_dir}/bound_channel_cli_test.cpp
  ${bh_mailbox_test_dir}/channel_config_test.cpp
  ${bh_mailbox_test_dir}/channel_port_test.cpp
  ${CMAKE_SOURCE_DIR}/tools/cli/bound_channel.cpp)
target_include_directories(mailbox_test PRIVATE ${CMAKE_SOURCE_DIR}/tools/cli)
target_link_libraries(mailbox_test PRIVATE bh_ipc GTest::gtest_main Threads::Threads)
gtest_discover_tests(mailbox_test)

# Two threads spinning on two cores: run these alone, not next to other tests.
add_executable(mailbox_thread_test ${bh_mailbox_test_dir}/threads_test.cpp)
target_link_libraries(mailbox_thread_test PRIVATE bh_ipc GTest::gtest_main Threads::Threads)
gtest_discover_tests(mailbox_thread_test PROPERTIES RUN_SERIAL TRUE)

# The same two-thread test with the protocol itself instrumented by
# ThreadSanitizer (so bh_ipc's objects cannot be reused). Any report fails it.
add_executable(mailbox_thread_tsan_test
  ${bh_mailbox_test_dir}/threads_test.cpp ${BH_IPC_SOURCES})
target_link_libraries(mailbox_thread_tsan_test PRIVATE bh_headers GTest::gtest_main Threads::Threads)
target_include_directories(mailbox_thread_tsan_test PRIVATE ${BH_IPC_DIR}/..)
target_compile_options(mailbox_thread_tsan_test PRIVATE -fsanitize=thread -O1 -g)
target_link_options(mailbox_thread_tsan_test PRIVATE -fsanitize=thread)
add_test(NAME mailbox_thread_tsan COMMAND mailbox_thread_tsan_test)
set_tests_properties(mailbox_thread_tsan PROPERTIES
  RUN_SERIAL TRUE
  ENVIRONMENT "TSAN_OPTIONS=halt_on_error=1:abort_on_error=0:exitcode=66")

# The portable sources must build for the RTOS (freestanding, no exceptions,
# no RTTI, no library, no SSE) and need nothing but memcpy/memset & co.
# (channel_port calls the mailbox: the sources are linked together.)
foreach(source ${BH_IPC_SOURCES})
  get_filename_component(name ${source} NAME_WE)
  set(linked ${BH_IPC_SOURCES})
  list(REMOVE_ITEM linked ${source})
  add_test(NAME mailbox_freestanding_${name}
    COMMAND ${CMAKE_COMMAND} -DCXX=${CMAKE_CXX_COMPILER} -DNM=${CMAKE_NM} -DSOURCE=${source}
            -DOBJECT=${CMAKE_CURRENT_BINARY_DIR}/mailbox_freestanding_${name}.o
            "-DINCLUDES=${CMAKE_SOURCE_DIR}/include;${CMAKE_SOURCE_DIR}/lib/include;${BH_GENERATED_DIR}"
            "-DLINKED=${linked}"
            -P ${bh_mailbox_test_dir}/freestanding_check.cmake)
endforeach()

# The layout header is included by the Linux driver: it must be valid C.
add_test(NAME mailbox_abi_header_is_c
  COMMAND ${CMAKE_C_COMPILER} -x c -std=gnu11 -Wall -Wextra -Werror -pedantic -fsyntax-only
          -I${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/include/bulkhead/mailbox.h)
