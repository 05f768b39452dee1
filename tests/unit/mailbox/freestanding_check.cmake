cmake_minimum_required(VERSION 3.25)
# Compiles one portable source the way the RTOS image does and fails if the
# object needs any symbol besides the memory functions GCC may emit calls to
# (every bulkhead runtime provides those) and what the other portable
# sources it is linked with define (LINKED, checked the same way).
#   cmake -DCXX=g++ -DSOURCE=x.cpp -DOBJECT=x.o -DINCLUDES="a;b" [-DLINKED="y.cpp;z.cpp"] -DNM=nm \
#         -P freestanding_check.cmake
set(allowed memcpy memmove memset memcmp)
set(include_flags "")
foreach(dir ${INCLUDES})
  list(APPEND include_flags -I${dir})
endforeach()
set(index 0)
foreach(linked ${LINKED})
  set(linked_object ${OBJECT}.linked${index}.o)
  math(EXPR index "${index} + 1")
  execute_process(
    COMMAND ${CXX} -std=gnu++20 -ffreestanding -fno-exceptions -fno-rtti -nostdlib
            -mgeneral-regs-only -O2 ${include_flags} -c ${linked} -o ${linked_object}
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${linked} does not build freestanding")
  endif()
  execute_process(COMMAND ${NM} --defined-only --format=posix ${linked_object}
                  OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "nm failed on ${linked_object}")
  endif()
  string(REGEX MATCHALL "(^|\n)[^ \n]+" names "${out}")
  foreach(name ${names})
    string(STRIP "${name}" name)
    list(APPEND allowed ${name})
  endforeach()
endforeach()
execute_process(
  COMMAND ${CXX} -std=gnu++20 -ffreestanding -fno-exceptions -fno-rtti -nostdlib
          -mgeneral-regs-only -O2 -Wall -Wextra -Werror ${include_flags}
          -c ${SOURCE} -o ${OBJECT}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} does not build freestanding")
endif()
execute_process(COMMAND ${NM} --undefined-only --format=posix ${OBJECT}
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${OBJECT}")
endif()
string(REGEX MATCHALL "(^|\n)[^ \n]+" names "${out}")
set(bad "")
foreach(name ${names})
  string(STRIP "${name}" name)
  if(NOT name IN_LIST allowed)
    list(APPEND bad ${name})
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "${SOURCE} needs external symbols: ${bad}")
endif()
