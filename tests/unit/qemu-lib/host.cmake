# Helpers of the guest-side harness library (tests/qemu/lib.sh), run on the
# host under busybox sh, the shell the virtual PC runs scenarios with.
find_program(BH_BUSYBOX busybox REQUIRED)
add_test(NAME qemu_lib_counter
  COMMAND ${BH_BUSYBOX} sh ${CMAKE_CURRENT_LIST_DIR}/counter_test.sh ${CMAKE_SOURCE_DIR}/tests/qemu/lib.sh)
set_tests_properties(qemu_lib_counter PROPERTIES TIMEOUT 120)
