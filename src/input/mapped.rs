//! A large file's bytes mapped from the page cache instead of copied: reading a 42 MB manifest
//! into a fresh buffer costs 20-30 ms of page faults and copying on 2 cores, mapping it about 5
//! (640 MB: 440 ms against 85).
//!
//! A mapped file that another process truncates while monolint reads it (`dbt parse`
//! rewriting `target/manifest.json`) would make the next access fault with `SIGBUS`; the
//! binary's handler then reports the file named by [`truncated_file`] and exits with code 2,
//! the code of an input that could not be checked. Content rewritten in place is only bytes:
//! every text taken from them is checked as UTF-8 where it is used.

use std::fs::File;
use std::ops::Deref;
use std::path::Path;
use std::sync::atomic::{AtomicPtr, Ordering};

/// Bytes read into memory or mapped from a file, without a leading part (a byte order mark)
/// the reader skips.
pub struct Bytes {
    storage: Storage,
    start: usize,
}

enum Storage {
    Owned(Box<[u8]>),
    #[cfg(unix)]
    Mapped(memmap2::Mmap),
}

impl Bytes {
    /// Skips the first `count` bytes (at most all of them).
    pub fn skip(&mut self, count: usize) {
        self.start = (self.start + count).min(self.storage().len());
    }

    fn storage(&self) -> &[u8] {
        match &self.storage {
            Storage::Owned(bytes) => bytes,
            #[cfg(unix)]
            Storage::Mapped(map) => map,
        }
    }

    /// Whether the bytes are mapped from the file rather than copied.
    pub fn is_mapped(&self) -> bool {
        !matches!(self.storage, Storage::Owned(_))
    }
}

impl Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.storage().get(self.start..).unwrap_or_default()
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(bytes: Vec<u8>) -> Bytes {
        Bytes {
            storage: Storage::Owned(bytes.into_boxed_slice()),
            start: 0,
        }
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bytes({} bytes", self.len())?;
        if self.is_mapped() {
            f.write_str(", mapped")?;
        }
        f.write_str(")")
    }
}

/// Maps an opened regular file of `len` bytes (checked by the caller), its pages read in at
/// once; `None` where mapping is not available or fails, and the caller reads the file.
#[cfg(unix)]
#[allow(unsafe_code)]
pub(super) fn map(file: &File, path: &Path, len: u64) -> Option<Bytes> {
    if len == 0 {
        return None;
    }
    note_mapped(path);
    // SAFETY: the map is only ever read. A process truncating the file meanwhile makes an
    // access fault with SIGBUS, which the binary reports as an input error naming the file
    // (see the module's documentation); bytes rewritten in place are checked where read.
    let map = unsafe { memmap2::MmapOptions::new().populate().map(file) }.ok()?;
    Some(Bytes {
        storage: Storage::Mapped(map),
        start: 0,
    })
}

#[cfg(not(unix))]
pub(super) fn map(_file: &File, _path: &Path, _len: u64) -> Option<Bytes> {
    None
}

/// The path of the last file mapped, for the `SIGBUS` handler: one pointer, set once per
/// mapped file, to a text leaked for the rest of the run (there is one manifest per project).
static MAPPED_PATH: AtomicPtr<String> = AtomicPtr::new(std::ptr::null_mut());

fn note_mapped(path: &Path) {
    let text: &'static mut String = Box::leak(Box::new(path.to_string_lossy().into_owned()));
    MAPPED_PATH.store(text, Ordering::SeqCst);
}

/// The file a `SIGBUS` most likely comes from — the last one mapped — readable from a signal
/// handler: null when none was; otherwise a text that lives, unchanged, until the exit.
pub fn truncated_file() -> *const String {
    MAPPED_PATH.load(Ordering::SeqCst)
}
