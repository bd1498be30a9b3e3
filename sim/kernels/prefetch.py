"""A prefetch hint for numba: ask the CPU for a cache line before it is needed."""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def prefetch(typingctx, array, index):
    """Ask the CPU to start loading ``array[index]`` into cache, without waiting for it
    (LLVM's prefetch: a read, kept in all cache levels). A hint: it changes no value."""
    signature = types.void(array, index)

    def codegen(context, builder, sig, args):
        array_type = sig.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        index = context.cast(builder, args[1], sig.args[1], types.intp)
        pointer = cgutils.get_item_pointer(context, builder, array_type, view, [index])
        pointer = builder.bitcast(pointer, ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        function_type = ir.FunctionType(ir.VoidType(), [pointer.type, i32, i32, i32])
        # Named after the pointer type ("llvm.prefetch.p0", or ".p0i8" before LLVM's
        # opaque pointers), as llvmlite names overloaded intrinsics.
        function = builder.module.declare_intrinsic("llvm.prefetch", [pointer.type], function_type)
        builder.call(function, [pointer, i32(0), i32(3), i32(1)])  # read, keep, data
        return context.get_dummy_value()

    return signature, codegen
