//! The `monolint` binary: parse the command line, run it, exit with its code.

#![deny(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::process::ExitCode;

use clap::Parser;
use monolint::cli::{Cli, run};

/// Loading a manifest allocates millions of small strings from several threads; mimalloc
/// does that markedly faster than the system allocator (see `cargo bench`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    parse_python_with_mimalloc();
    ExitCode::from(run(Cli::parse()))
}

/// tree-sitter's C parser allocates with the C library's `malloc`, whose per-thread arenas
/// grow a page at a time (a system call each) and cost more than mimalloc on the many small
/// nodes of a syntax tree: its allocations go to mimalloc too.
#[allow(unsafe_code)]
fn parse_python_with_mimalloc() {
    use libmimalloc_sys::{mi_free, mi_malloc, mi_realloc, mi_zalloc};
    use std::ffi::c_void;

    /// `calloc` on mimalloc: zeroed, and null when the size overflows, as C's.
    unsafe extern "C" fn calloc(count: usize, size: usize) -> *mut c_void {
        match count.checked_mul(size) {
            // SAFETY: mimalloc's allocation function, given a size.
            Some(total) => unsafe { mi_zalloc(total) },
            None => std::ptr::null_mut(),
        }
    }
    // SAFETY: this runs first thing in `main`, before any parser or tree exists, so nothing
    // tree-sitter frees was allocated with the former functions; the four functions are
    // mimalloc's matching malloc/calloc/realloc/free.
    unsafe {
        tree_sitter::set_allocator(
            Some(mi_malloc),
            Some(calloc),
            Some(mi_realloc),
            Some(mi_free),
        );
    }
}
