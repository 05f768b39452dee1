cmake_minimum_required(VERSION 3.25)
# Compiles one portable source the way the RTOS image does and fails if the
# object needs any symbol besides the memory functions GCC may emit calls to
# (every bulkhead runtime provides those) and what the other portable
# sources it is linked with define (LINKED, checked the same way).
#   cmake -DCXX=g++ -DSOURCE=x.cpp -DOBJECT=x.o -DINCLUDES="a;b" [-DLINKED="y.cpp;z.cpp"] -DNM=nm \
#         -P freestanding_check.cmake
include(${CMAKE_CURRENT_LIST_DIR}/../cmake/nm_symbols.cmake)
set(allowed memcpy memmove memset memcmp)
set(include_flags "")
foreach(dir ${INCLUDES})
  list(APPEND include_flags -I${dir})
endforeach()
# compile_freestanding(SOURCE OBJECT [FLAGS...]): as the RTOS image builds it.
function(compile_freestanding source object)
  execute_process(
    COMMAND ${CXX} -std=gnu++20 -ffreestanding -fno-exceptions -fno-rtti -nostdlib
            -mgeneral-regs-only -O2 ${ARGN} ${include_flags} -c ${source} -o ${object}
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${source} does not build freestanding")
  endif()
endfunction()
set(index 0)
foreach(linked ${LINKED})
  set(linked_object ${OBJECT}.linked${index}.o)
  math(EXPR index "${index} + 1")
  compile_freestanding(${linked} ${linked_object})
  bh_nm_symbols(${linked_object} defined allowed)
endforeach()
compile_freestanding(${SOURCE} ${OBJECT} -Wall -Wextra -Werror)
set(names "")
bh_nm_symbols(${OBJECT} undefined names)
set(bad "")
foreach(name ${names})
  if(NOT name IN_LIST allowed)
    list(APPEND bad ${name})
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "${SOURCE} needs external symbols: ${bad}")
endif()
