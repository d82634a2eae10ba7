# -*- Python -*-
# lit configuration of the hgq regression tests (FileCheck-based).

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "HGQ"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.hgq_obj_root, "test")
# unit/ has its own configuration (GoogleTest format).
config.excludes = ["unit", "lit.cfg.py", "lit.site.cfg.py", "CMakeLists.txt"]

config.substitutions.append(("%hgq_src", config.hgq_src_root))
config.substitutions.append(("%hgq_obj", config.hgq_obj_root))

llvm_config.with_system_environment(["HOME", "TMP", "TEMP"])

# A sanitized build (-DHGQ_SANITIZE=...): every report aborts the tool, and
# so fails its test. MLIR's own static libraries are not instrumented, and
# their Dialect::addType poisons memory in a way ASan misreads unless user
# poisoning is off.
if getattr(config, "hgq_sanitize", ""):
    config.available_features.add("sanitized")
    config.environment["ASAN_OPTIONS"] = os.environ.get(
        "ASAN_OPTIONS", "allow_user_poisoning=0:abort_on_error=0:detect_leaks=1")
    config.environment["UBSAN_OPTIONS"] = os.environ.get(
        "UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
llvm_config.use_default_substitutions()

tool_dirs = [config.hgq_tools_dir, config.llvm_tools_dir]
tools = ["hgq-opt", "hgq-translate", "hgq-run", "hgq-compile"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# The vendor's open-source ap_types, the oracle for the runtime headers and the
# emitted C simulation, live beside the project (../shared/vendor); tests that
# need them require the feature and report themselves unsupported without it.
config.substitutions.append(
    ("%hgq_runtime", os.path.join(config.hgq_src_root, "runtime", "include")))
vendor_ap_types = os.path.join(os.path.dirname(config.hgq_src_root), "shared",
                               "vendor", "ap_types", "include")
if os.path.isfile(os.path.join(vendor_ap_types, "ap_fixed.h")):
    config.available_features.add("vendor-ap-types")
    config.substitutions.append(("%vendor_ap_types", vendor_ap_types))

# clang-format-22 enforces the C++ layout (test/Style).
import shutil
if shutil.which("clang-format-22"):
    config.available_features.add("clang-format-22")
