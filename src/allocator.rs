//! The allocator of the `monolint` binary (and of the benchmarks, so their figures are the
//! binary's): mimalloc. Loading a manifest or reading a project allocates millions of small
//! strings from several threads, which mimalloc does markedly faster than the system
//! allocator (see `cargo bench`).
//!
//! The `mimalloc` crate's allocator calls mimalloc's aligned entry points for every
//! allocation; they check the alignment and look the block up again, about 20 instructions
//! more than a plain allocation (2% of a check). Every mimalloc block is aligned to a word,
//! so only a larger alignment needs them.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc,
    mi_zalloc_aligned,
};

/// The alignment every mimalloc block has: sizes are rounded up to whole words.
const BLOCK_ALIGN: usize = std::mem::size_of::<usize>();

/// mimalloc, through its plain entry points when a word's alignment is enough.
pub struct Mimalloc;

/// A block for `layout` from mimalloc's `plain` entry point, or its `aligned` one when the
/// layout needs more than a word's alignment.
///
/// # Safety
/// `plain` and `aligned` are a pair of mimalloc's allocation functions (`mi_malloc` and
/// `mi_malloc_aligned`, or the zeroing pair).
#[allow(unsafe_code)]
#[inline]
unsafe fn allocate(
    layout: Layout,
    plain: unsafe extern "C" fn(usize) -> *mut c_void,
    aligned: unsafe extern "C" fn(usize, usize) -> *mut c_void,
) -> *mut u8 {
    // SAFETY: the caller passes mimalloc's functions, which take any size and a power-of-two
    // alignment (a `Layout`'s always is).
    unsafe {
        if layout.align() <= BLOCK_ALIGN {
            plain(layout.size()).cast()
        } else {
            aligned(layout.size(), layout.align()).cast()
        }
    }
}

// SAFETY: each function forwards to the mimalloc function of the same contract; a plain
// allocation is only used for alignments every mimalloc block already has, and `mi_free`
// frees blocks from either entry point.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        unsafe { allocate(layout, mi_malloc, mi_malloc_aligned) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        unsafe { allocate(layout, mi_zalloc, mi_zalloc_aligned) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator.
        unsafe { mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` was allocated by this allocator with `layout`'s alignment.
        unsafe {
            if layout.align() <= BLOCK_ALIGN {
                mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_have_the_alignment_asked_for() {
        let allocator = Mimalloc;
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1, 3, 8, 12, 24, 40, 100, 1000, 70_000] {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: a non-zero size; each block is freed with its layout.
                #[allow(unsafe_code)]
                unsafe {
                    let block = allocator.alloc(layout);
                    assert!(!block.is_null());
                    assert_eq!(block as usize % align, 0, "size {size}, align {align}");
                    block.write_bytes(7, size);
                    let grown = allocator.realloc(block, layout, size * 3);
                    assert_eq!(grown as usize % align, 0, "size {size}, align {align}");
                    assert_eq!(*grown.add(size - 1), 7);
                    allocator.dealloc(grown, Layout::from_size_align(size * 3, align).unwrap());
                    let zeroed = allocator.alloc_zeroed(layout);
                    assert_eq!(zeroed as usize % align, 0);
                    assert!((0..size).all(|i| *zeroed.add(i) == 0));
                    allocator.dealloc(zeroed, layout);
                }
            }
        }
    }
}
