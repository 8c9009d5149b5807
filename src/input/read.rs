//! Reading one file: a regular file (never a FIFO, a device or a folder, which would block or
//! never end), no larger than a cap, and decoded as UTF-8 with a message naming any other
//! encoding.

use std::fmt;
use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

use super::Refusal;
use super::encoding::{UTF8_BOM, position, wide_encoding};
use super::mapped::{self, Bytes};
use crate::error::Error;

/// The largest manifest monolint reads. dbt writes about 2.5 KiB per node; 4 GiB is well over
/// a million nodes.
pub const MANIFEST_LIMIT: u64 = 4 << 30;
/// The largest text file monolint reads (Python, SQL, YAML, TOML, JSON baseline). Spans are
/// 32-bit offsets, and no hand-written file comes near this.
pub const TEXT_LIMIT: u64 = 64 << 20;

/// Why a file could not be read. Its `Display` is the reason alone; [`ReadError::to_error`]
/// names the file.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// A folder, FIFO, socket or device: what it is.
    NotRegular(&'static str),
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// UTF-16 or UTF-32 text.
    WideEncoding(&'static str),
    /// A NUL byte: a binary file.
    Binary {
        line: usize,
        column: usize,
    },
    NotUtf8 {
        line: usize,
        column: usize,
    },
    /// The path leaves the checked folder.
    Outside(Refusal),
}

impl ReadError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(error) if error.kind() == std::io::ErrorKind::NotFound)
    }

    /// The input problem: the file named by `display`, why it cannot be read, and what to do.
    pub fn to_error(&self, display: &str) -> Error {
        let help = self.help();
        let error = match self {
            ReadError::Binary { line, column } | ReadError::NotUtf8 { line, column } => {
                Error::new(format!("{display}:{line}:{column}: {self}"))
            }
            ReadError::Outside(_) => Error::new(format!("refused to read {display}: {self}")),
            _ => Error::new(format!("cannot read {display}: {self}")),
        };
        match help {
            Some(help) => error.with_help(help),
            None => error,
        }
    }

    fn help(&self) -> Option<&'static str> {
        Some(match self {
            ReadError::Io(_) => return None,
            ReadError::NotRegular(_) => "monolint reads regular files only",
            ReadError::TooLarge { .. } => "monolint does not read files this large",
            ReadError::WideEncoding(_) | ReadError::NotUtf8 { .. } => {
                "save the file as UTF-8, which dbt, Airflow and monolint read"
            }
            ReadError::Binary { .. } => "monolint reads text files only",
            ReadError::Outside(_) => {
                "monolint reads only files inside the checked folder, unless given on the command line"
            }
        })
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(error) => write!(f, "{error}"),
            ReadError::NotRegular(what) => write!(f, "it is {what}, not a regular file"),
            ReadError::TooLarge { size, limit } => write!(
                f,
                "it is {}, more than the {} monolint reads",
                human_size(*size),
                human_size(*limit)
            ),
            ReadError::WideEncoding(name) => write!(f, "it is {name} text, not UTF-8"),
            ReadError::Binary { .. } => f.write_str("a NUL byte: this is a binary file, not text"),
            ReadError::NotUtf8 { .. } => f.write_str("not UTF-8 text"),
            ReadError::Outside(refusal) => write!(f, "{refusal}"),
        }
    }
}

impl From<std::io::Error> for ReadError {
    fn from(error: std::io::Error) -> Self {
        ReadError::Io(error)
    }
}

/// `1.5 GiB`, `64 MiB`, `12 KiB`, `7 bytes`.
fn human_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            let value = bytes as f64 / unit as f64;
            return if value.fract() == 0.0 {
                format!("{value:.0} {name}")
            } else {
                format!("{value:.1} {name}")
            };
        }
    }
    format!("{bytes} bytes")
}

/// What a non-regular file is, in words.
fn kind_of(metadata: &Metadata) -> Option<&'static str> {
    let file_type = metadata.file_type();
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return Some("a device");
        }
    }
    Some("a special file")
}

fn check(metadata: &Metadata, limit: u64) -> Result<(), ReadError> {
    if let Some(kind) = kind_of(metadata) {
        return Err(ReadError::NotRegular(kind));
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge {
            size: metadata.len(),
            limit,
        });
    }
    Ok(())
}

/// Whether `path` is a regular file of at most `limit` bytes (links followed), without opening
/// it: for files another library reads.
pub fn check_regular(path: &Path, limit: u64) -> Result<(), ReadError> {
    check(&std::fs::metadata(path)?, limit)
}

/// The bytes of a regular file of at most `limit` bytes. The type is checked before opening
/// (opening a FIFO blocks until a writer comes) and again on the opened file; the read stops
/// after `limit` bytes whatever the file claims. `known` is what a `stat` of the path already
/// said, if the caller has it.
pub(super) fn read_regular(
    path: &Path,
    known: Option<Metadata>,
    limit: u64,
) -> Result<Vec<u8>, ReadError> {
    let (file, metadata) = open_regular(path, known, limit)?;
    read_opened(file, &metadata, limit)
}

/// Opens a regular file of at most `limit` bytes, checked before opening (opening a FIFO
/// blocks until a writer comes) and again once opened.
fn open_regular(
    path: &Path,
    known: Option<Metadata>,
    limit: u64,
) -> Result<(File, Metadata), ReadError> {
    match known {
        Some(metadata) => check(&metadata, limit)?,
        None => check(&std::fs::metadata(path)?, limit)?,
    }
    checked(File::open(path)?, limit)
}

/// An opened file with what it is, refused unless regular and at most `limit` bytes.
fn checked(file: File, limit: u64) -> Result<(File, Metadata), ReadError> {
    let metadata = file.metadata()?;
    check(&metadata, limit)?;
    Ok((file, metadata))
}

/// The bytes of a file the repository walk found as a regular file, through folders it
/// entered: no `stat` before opening (the walk's listing said what it is), and an open that
/// does not wait should a FIFO have taken its place since; the opened file is checked.
pub fn read_walked(path: &Path) -> Result<Vec<u8>, ReadError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let (file, metadata) = checked(options.open(path)?, TEXT_LIMIT)?;
    read_opened(file, &metadata, TEXT_LIMIT)
}

/// The bytes of a file [`open_regular`] opened, at most `limit` of them whatever it claims.
/// A file is read up to the size it had when opened, in one system call for most (reading on
/// to the end cost a second call per file); a file claiming no size (as files of `/proc` do)
/// is read to its end.
fn read_opened(file: File, metadata: &Metadata, limit: u64) -> Result<Vec<u8>, ReadError> {
    let size = metadata.len();
    let mut bytes = Vec::with_capacity(size as usize);
    let take = if size == 0 { limit + 1 } else { size };
    file.take(take).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// A text file (Python, SQL, YAML, TOML, JSON) as UTF-8, without a leading byte order mark.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    decode_text(read_regular(path, None, TEXT_LIMIT)?)
}

/// Text as monolint reads it: UTF-8 without a byte order mark, no NUL byte.
pub fn decode_text(mut bytes: Vec<u8>) -> Result<String, ReadError> {
    if let Some(encoding) = wide_encoding(&bytes) {
        return Err(ReadError::WideEncoding(encoding));
    }
    if bytes.starts_with(UTF8_BOM) {
        bytes.drain(..UTF8_BOM.len());
    }
    if let Some(at) = memchr::memchr(0, &bytes) {
        let (line, column) = position(&bytes, at);
        return Err(ReadError::Binary { line, column });
    }
    String::from_utf8(bytes).map_err(|error| {
        let at = error.utf8_error().valid_up_to();
        let (line, column) = position(error.as_bytes(), at);
        ReadError::NotUtf8 { line, column }
    })
}

/// A manifest's bytes, mapped where the system can (see [`super::mapped`]), without a
/// leading UTF-8 byte order mark. Its UTF-8 is checked by the JSON parser, which names the
/// line.
pub fn read_manifest(path: &Path) -> Result<Bytes, ReadError> {
    let (file, metadata) = open_regular(path, None, MANIFEST_LIMIT)?;
    let mut bytes = match mapped::map(&file, path, metadata.len()) {
        Some(bytes) => bytes,
        None => Bytes::from(read_opened(file, &metadata, MANIFEST_LIMIT)?),
    };
    if let Some(encoding) = wide_encoding(&bytes) {
        return Err(ReadError::WideEncoding(encoding));
    }
    if bytes.starts_with(UTF8_BOM) {
        bytes.skip(UTF8_BOM.len());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_and_names_what_it_is_not() {
        assert_eq!(
            decode_text(b"\xEF\xBB\xBFa: 1\n".to_vec()).unwrap(),
            "a: 1\n"
        );
        assert!(matches!(
            decode_text(b"\xFF\xFEa\x00".to_vec()),
            Err(ReadError::WideEncoding("UTF-16 (little-endian)"))
        ));
        assert!(matches!(
            decode_text(b"x = 1\ny = \"\xE9\"\n".to_vec()),
            Err(ReadError::NotUtf8 { line: 2, column: 6 })
        ));
        assert!(matches!(
            decode_text(b"ab\n\x7fELF\x00".to_vec()),
            Err(ReadError::Binary { line: 2, column: 5 })
        ));
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(7), "7 bytes");
        assert_eq!(human_size(TEXT_LIMIT), "64 MiB");
        assert_eq!(human_size(3 << 29), "1.5 GiB");
    }

    #[test]
    fn refuses_folders_and_missing_files() {
        let dir = std::env::temp_dir();
        assert!(matches!(
            read_text(&dir),
            Err(ReadError::NotRegular("a folder"))
        ));
        let missing = read_text(&dir.join("monolint-no-such-file")).unwrap_err();
        assert!(missing.is_not_found());
    }

    #[cfg(unix)]
    #[test]
    fn refuses_devices_without_reading_them() {
        let error = read_manifest(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(error.to_string(), "it is a device, not a regular file");
        let error = error.to_error("dbt/target/manifest.json");
        assert_eq!(
            error.message,
            "cannot read dbt/target/manifest.json: it is a device, not a regular file"
        );
    }

    #[test]
    fn maps_a_manifest_without_its_byte_order_mark() {
        let dir = std::env::temp_dir().join(format!("monolint-map-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("manifest.json");
        std::fs::write(&path, b"\xEF\xBB\xBF{\"nodes\": {}}").unwrap();
        let bytes = read_manifest(&path).unwrap();
        assert_eq!(&*bytes, b"{\"nodes\": {}}");
        assert_eq!(bytes.is_mapped(), cfg!(unix));
        // An empty file cannot be mapped: it is read, and empty.
        std::fs::write(&path, b"").unwrap();
        let bytes = read_manifest(&path).unwrap();
        assert!(bytes.is_empty() && !bytes.is_mapped());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
