# loom_write_model_link(<file> [DRIVER <compiler>]): the link line of a model library, one argument per
# line, as `loom compile` reads it (codegen/lib/SharedLibraryLinker.cpp): the archives of the GLOBAL
# property LOOM_MODEL_LINK_TARGETS, whole, and the export map. DRIVER names the compiler driver that links
# for this kit's target (a cross kit's own); without it `loom compile` links with the host's.
function(loom_write_model_link file)
  cmake_parse_arguments(ARG "" "DRIVER" "" ${ARGN})
  get_property(targets GLOBAL PROPERTY LOOM_MODEL_LINK_TARGETS)
  set(lines "")
  if(ARG_DRIVER)
    set(lines "--driver=${ARG_DRIVER}\n")
  endif()
  string(APPEND lines "-Wl,--whole-archive")
  foreach(target IN LISTS targets)
    string(APPEND lines "\n$<TARGET_FILE:${target}>")
  endforeach()
  string(APPEND lines "\n-Wl,--no-whole-archive")
  # Export the loom.h API and nothing else, so several model libraries can share a process.
  get_property(exports GLOBAL PROPERTY LOOM_MODEL_EXPORTS_MAP)
  if(exports)
    string(APPEND lines "\n-Wl,--version-script=${exports}")
  endif()
  file(GENERATE OUTPUT ${file} CONTENT "${lines}\n")
endfunction()
