//! The `monolint` binary: parse the command line, run it, exit with its code.

#![deny(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::process::ExitCode;

use clap::Parser;
use monolint::cli::{Cli, run};

#[global_allocator]
static ALLOCATOR: monolint::allocator::Mimalloc = monolint::allocator::Mimalloc;

fn main() -> ExitCode {
    parse_python_with_mimalloc();
    report_truncated_manifest();
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

/// A manifest is mapped, not copied (see `monolint::input::Bytes`): when another process
/// truncates it while monolint reads it, the access faults with `SIGBUS`. Instead of the
/// system's "Bus error" and a core dump, monolint names the file and exits with code 2, as for
/// any input it cannot check.
#[cfg(unix)]
#[allow(unsafe_code)]
fn report_truncated_manifest() {
    extern "C" fn on_bus_error(_signal: libc::c_int) {
        let write = |bytes: &[u8]| {
            // SAFETY: write(2) is async-signal-safe; the bytes outlive the call.
            unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
        };
        write("  × ".as_bytes());
        let path = monolint::input::truncated_file();
        // SAFETY: a non-null pointer points at a text leaked before the file was mapped and
        // never changed or freed afterwards.
        match unsafe { path.as_ref() } {
            Some(path) => write(path.as_bytes()),
            None => write(b"a file"),
        }
        write(
            b": the file was cut short while monolint read it (did `dbt` rewrite it?)\n  \
              help: run monolint again once it is written\n",
        );
        // SAFETY: _exit(2) is async-signal-safe and ends the process at once.
        unsafe { libc::_exit(2) };
    }
    // SAFETY: the handler only calls async-signal-safe functions (write, _exit) and reads a
    // pointer set once, atomically, before any mapped byte is read.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_bus_error as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}

#[cfg(not(unix))]
fn report_truncated_manifest() {}
