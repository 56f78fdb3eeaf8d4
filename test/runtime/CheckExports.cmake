# Checks a model library linked with runtime/exports.map:
#   - the functions loom.h declares, the names exports.map lists and the library's exported symbols
#     are the same set;
#   - the library needs no LLVM, MLIR or fmt shared library at run time.
# Usage: cmake -DLIBRARY=<.so> -DHEADER=<loom.h> -DEXPORTS_MAP=<exports.map> -DNM=<nm> -DREADELF=<readelf>
#              -P CheckExports.cmake

function(sorted_names out text pattern)
  string(REGEX MATCHALL "${pattern}" matches "${text}")
  set(names)
  foreach(match IN LISTS matches)
    string(REGEX REPLACE "^.*(loom_[a-z0-9_]+).*$" "\\1" name "${match}")
    list(APPEND names ${name})
  endforeach()
  list(REMOVE_DUPLICATES names)
  list(SORT names)
  set(${out} "${names}" PARENT_SCOPE)
endfunction()

# Declared functions: "loom_x(" outside comments.
file(READ "${HEADER}" header)
string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" header "${header}")
sorted_names(declared "${header}" "loom_[a-z0-9_]+\\(")

# Listed names: "loom_x;" in the global section.
file(READ "${EXPORTS_MAP}" map)
string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" map "${map}")
sorted_names(listed "${map}" "loom_[a-z0-9_]+;")

execute_process(COMMAND "${NM}" -D --defined-only "${LIBRARY}" OUTPUT_VARIABLE symbols RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "${NM} failed on ${LIBRARY}")
endif()
string(REGEX MATCHALL "[^\n]+" symbol_lines "${symbols}")
set(exported)
foreach(line IN LISTS symbol_lines)
  string(REGEX REPLACE "^.* ([^ ]+)$" "\\1" name "${line}")
  list(APPEND exported ${name})
endforeach()
list(SORT exported)

if(NOT declared)
  message(FATAL_ERROR "found no functions in ${HEADER}")
endif()
if(NOT declared STREQUAL listed)
  message(FATAL_ERROR "exports.map lists\n  ${listed}\nbut loom.h declares\n  ${declared}")
endif()
if(NOT declared STREQUAL exported)
  message(FATAL_ERROR "${LIBRARY} exports\n  ${exported}\nbut loom.h declares\n  ${declared}")
endif()

execute_process(COMMAND "${READELF}" -d "${LIBRARY}" OUTPUT_VARIABLE dynamic RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "${READELF} failed on ${LIBRARY}")
endif()
string(REGEX MATCHALL "Shared library: \\[[^]]+\\]" needed "${dynamic}")
foreach(library IN LISTS needed)
  if(library MATCHES "LLVM|MLIR|fmt")
    message(FATAL_ERROR "${LIBRARY} needs ${library}: the runtime must be self-contained")
  endif()
endforeach()
list(LENGTH declared count)
message(STATUS "${LIBRARY} exports exactly the ${count} functions of loom.h; needs ${needed}")
