# bh_nm_symbols(OBJECT KIND OUT): the symbol names `nm` lists in OBJECT, KIND
# being "defined" or "undefined", appended to the list variable OUT. For the
# freestanding checks (cmake -P scripts), which pass NM.
# Its locals are prefixed: OUT may name any of the caller's variables.
function(bh_nm_symbols object kind out)
  set(_nm_result ${${out}})
  execute_process(COMMAND ${NM} --${kind}-only --format=posix ${object}
                  OUTPUT_VARIABLE _nm_listing RESULT_VARIABLE _nm_rc)
  if(NOT _nm_rc EQUAL 0)
    message(FATAL_ERROR "nm failed on ${object}")
  endif()
  string(REGEX MATCHALL "(^|\n)[^ \n]+" _nm_names "${_nm_listing}")
  foreach(_nm_name ${_nm_names})
    string(STRIP "${_nm_name}" _nm_name)
    list(APPEND _nm_result ${_nm_name})
  endforeach()
  set(${out} ${_nm_result} PARENT_SCOPE)
endfunction()
