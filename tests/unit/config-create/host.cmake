# bulkhead-config-create (tools/config-create) and `bulkhead config collect`
# (tools/cli/config_collect.cpp): Python unittest on Debian's /usr/bin/python3
# with python3-jinja2, against machines captured in fixtures/. The tests build
# their own small C++ drivers (validator, collector) with g++ and compile the
# generated configs with gcc and objcopy.
add_test(NAME config-create
  COMMAND /usr/bin/python3 -m unittest discover -s ${CMAKE_CURRENT_LIST_DIR} -v)
set_tests_properties(config-create PROPERTIES TIMEOUT 300 ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1")
