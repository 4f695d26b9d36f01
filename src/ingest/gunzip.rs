//! Whole-buffer gzip decompression with libdeflate, into a buffer that may only grow so far.
//!
//! A CloudTrail object is small (tens of KiB compressed) and read whole, so there is no
//! need for a streaming inflater: libdeflate decompresses a buffer in one call, about
//! twice as fast as zlib, and checks each member's CRC-32 and length. gzip allows several
//! members back to back (`cat a.gz b.gz`); each is decompressed in turn, as gzip(1) does.
//! The output buffer says how far it may grow ([`OutputBuffer::limit`]): a gzip bomb stops
//! there, having cost at most that much memory.

use std::ptr::NonNull;

use libdeflate_sys as ffi;

/// Why a gzip stream could not be decompressed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GunzipError {
    /// The member starting at `offset` is corrupt, truncated or fails its checksum.
    #[error("member at byte {offset} is corrupt, truncated or fails its CRC-32 check")]
    BadMember { offset: usize },
    /// Bytes after the last member are not another gzip member.
    #[error("{len} bytes of trailing data at byte {offset} are not a gzip member")]
    TrailingData { offset: usize, len: usize },
    /// The members decompress to more than the output buffer's limit.
    #[error("decompresses to more than {} MiB", limit >> 20)]
    TooLarge { limit: usize },
}

/// The most a plain `Vec` output may hold. CloudTrail objects are a few MiB of JSON at
/// most; ingest bounds its buffers far lower ([`crate::ingest::memory`]).
pub const MAX_OUTPUT: usize = 4 << 30;

/// Where decompressed bytes go, and how far that buffer may grow.
pub trait OutputBuffer {
    /// The buffer itself.
    fn bytes(&mut self) -> &mut Vec<u8>;
    /// The most bytes it may hold.
    fn limit(&self) -> usize;
    /// Empties the buffer and gives it a capacity of at least `capacity` bytes (the caller
    /// asks for at most [`limit`](Self::limit)).
    fn make_room(&mut self, capacity: usize);
}

/// A plain buffer, limited to [`MAX_OUTPUT`] (tests, benches).
impl OutputBuffer for Vec<u8> {
    fn bytes(&mut self) -> &mut Vec<u8> {
        self
    }
    fn limit(&self) -> usize {
        MAX_OUTPUT
    }
    fn make_room(&mut self, capacity: usize) {
        // Freed first: a reallocation would copy the old text for nothing.
        *self = Vec::new();
        self.reserve_exact(capacity);
    }
}

/// A libdeflate decompressor; one per thread, reused from object to object.
pub struct Gunzip {
    raw: NonNull<ffi::libdeflate_decompressor>,
}

// SAFETY: a libdeflate decompressor holds no thread-local state; it may move between
// threads, it is only never used from two at once (`&mut self` below ensures that).
unsafe impl Send for Gunzip {}

/// Why decompressing into the buffer as it is stopped.
enum Stop {
    /// The buffer filled up before the members ended.
    Full,
    /// The input is not valid gzip.
    Failed(GunzipError),
}

impl Gunzip {
    /// A new decompressor.
    pub fn new() -> Self {
        // SAFETY: plain allocation; a null result (out of memory) is handled below.
        let raw = unsafe { ffi::libdeflate_alloc_decompressor() };
        let raw = NonNull::new(raw).expect("out of memory allocating a libdeflate decompressor");
        Self { raw }
    }

    /// Decompresses every member of `input` into `out`, which is emptied first and keeps
    /// its allocation. When the output does not fit, the buffer doubles (up to its limit)
    /// and decompression starts again from the first member.
    pub fn decompress(
        &mut self,
        input: &[u8],
        out: &mut dyn OutputBuffer,
    ) -> Result<(), GunzipError> {
        let limit = out.limit();
        // The last four bytes hold the (last) member's length modulo 2^32: exact for the
        // usual single member, and a start for the others.
        let hint = input
            .len()
            .checked_sub(4)
            .and_then(|at| input.get(at..))
            .and_then(|tail| <[u8; 4]>::try_from(tail).ok())
            .map_or(0, |tail| u32::from_le_bytes(tail) as usize);
        // A corrupt trailer could claim gigabytes: trust it only up to a generous ratio.
        let mut want = hint
            .min(input.len().saturating_mul(64))
            .max(input.len())
            .min(limit);
        loop {
            if out.bytes().capacity() < want {
                out.make_room(want);
            } else {
                out.bytes().clear();
            }
            match self.members(input, out.bytes()) {
                Ok(()) => return Ok(()),
                Err(Stop::Failed(e)) => return Err(e),
                Err(Stop::Full) => {
                    let capacity = out.bytes().capacity();
                    if capacity >= limit {
                        out.bytes().clear();
                        return Err(GunzipError::TooLarge { limit });
                    }
                    // Doubling: a member of n bytes costs O(n) in retries.
                    want = capacity.saturating_mul(2).clamp(64 * 1024, limit);
                }
            }
        }
    }

    /// Decompresses the members of `input` into `out`'s spare capacity, without growing it.
    fn members(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), Stop> {
        let mut offset = 0;
        while offset < input.len() {
            let rest = &input[offset..];
            if !super::decode::is_gzip(rest) {
                return Err(Stop::Failed(GunzipError::TrailingData {
                    offset,
                    len: rest.len(),
                }));
            }
            offset += self.member(rest, out, offset)?;
        }
        Ok(())
    }

    /// Decompresses the member at the start of `input` (at `offset` in the object),
    /// appending to `out` within its capacity; returns the compressed bytes consumed.
    fn member(&mut self, input: &[u8], out: &mut Vec<u8>, offset: usize) -> Result<usize, Stop> {
        let spare = out.spare_capacity_mut();
        let mut consumed = 0usize;
        let mut written = 0usize;
        // SAFETY: `input` is valid for reads of its length and `spare` for writes of
        // its length (uninitialised memory libdeflate only writes to); the two do not
        // overlap; `self.raw` is a live decompressor used by this thread alone.
        let result = unsafe {
            ffi::libdeflate_gzip_decompress_ex(
                self.raw.as_ptr(),
                input.as_ptr().cast(),
                input.len(),
                spare.as_mut_ptr().cast(),
                spare.len(),
                &mut consumed,
                &mut written,
            )
        };
        match result {
            ffi::libdeflate_result_LIBDEFLATE_SUCCESS => {
                let len = out.len() + written;
                // SAFETY: libdeflate reported `written` bytes initialised after the
                // old length, within the spare capacity.
                unsafe { out.set_len(len) };
                Ok(consumed)
            }
            ffi::libdeflate_result_LIBDEFLATE_INSUFFICIENT_SPACE => Err(Stop::Full),
            _ => Err(Stop::Failed(GunzipError::BadMember { offset })),
        }
    }
}

impl Default for Gunzip {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Gunzip {
    fn drop(&mut self) {
        // SAFETY: allocated by libdeflate_alloc_decompressor and freed exactly once.
        unsafe { ffi::libdeflate_free_decompressor(self.raw.as_ptr()) }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    /// Text that compresses well, like CloudTrail JSON, and is larger than the first guess.
    fn text(len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| b"{\"eventName\":\"GetObject\"}"[i % 25])
            .collect()
    }

    #[test]
    fn one_member_round_trips_and_reuses_the_buffer() {
        let data = text(300_000);
        let mut out = Vec::new();
        let mut gunzip = Gunzip::new();
        gunzip.decompress(&gzip(&data), &mut out).unwrap();
        assert_eq!(out, data);
        let capacity = out.capacity();
        gunzip.decompress(&gzip(b"small"), &mut out).unwrap();
        assert_eq!(out, b"small");
        assert_eq!(out.capacity(), capacity);
    }

    #[test]
    fn members_are_concatenated_whatever_the_size_hint() {
        // The trailer's size is the small last member's, so the first needs regrowth.
        let (a, b) = (text(200_000), b"tail".to_vec());
        let mut input = gzip(&a);
        input.extend(gzip(&b));
        let mut out = Vec::new();
        Gunzip::new().decompress(&input, &mut out).unwrap();
        assert_eq!(out.len(), a.len() + b.len());
        assert!(out.starts_with(&a) && out.ends_with(&b));
    }

    /// A buffer that may hold `limit` bytes.
    struct Limited(Vec<u8>, usize);

    impl OutputBuffer for Limited {
        fn bytes(&mut self) -> &mut Vec<u8> {
            &mut self.0
        }
        fn limit(&self) -> usize {
            self.1
        }
        fn make_room(&mut self, capacity: usize) {
            assert!(capacity <= self.1, "asked for {capacity} of {}", self.1);
            self.0 = Vec::with_capacity(capacity);
        }
    }

    #[test]
    fn output_stops_at_the_buffer_limit() {
        // A megabyte of zeros compresses to about a kilobyte: a small gzip bomb. Its
        // trailer tells the truth here; the limit holds whatever the trailer says.
        let bomb = gzip(&vec![0; 1 << 20]);
        let mut out = Limited(Vec::new(), 256 * 1024);
        assert_eq!(
            Gunzip::new().decompress(&bomb, &mut out),
            Err(GunzipError::TooLarge { limit: 256 * 1024 })
        );
        assert!(out.0.capacity() <= 256 * 1024, "{}", out.0.capacity());
        let mut lying = bomb.clone();
        let at = lying.len() - 4;
        lying[at..].copy_from_slice(&100u32.to_le_bytes());
        assert!(matches!(
            Gunzip::new().decompress(&lying, &mut out),
            Err(GunzipError::TooLarge { .. } | GunzipError::BadMember { .. })
        ));
        assert!(out.0.capacity() <= 256 * 1024);
        // Exactly at the limit fits; several members add up against it.
        let mut fits = Limited(Vec::new(), 1 << 20);
        Gunzip::new().decompress(&bomb, &mut fits).unwrap();
        assert_eq!(fits.0.len(), 1 << 20);
        let mut two = bomb.clone();
        two.extend(gzip(b"x"));
        assert!(matches!(
            Gunzip::new().decompress(&two, &mut fits),
            Err(GunzipError::TooLarge { .. })
        ));
    }

    #[test]
    fn corruption_truncation_and_trailing_data_are_errors() {
        let good = gzip(&text(10_000));
        let mut gunzip = Gunzip::new();
        let mut out = Vec::new();

        let truncated = &good[..good.len() - 10];
        assert_eq!(
            gunzip.decompress(truncated, &mut out),
            Err(GunzipError::BadMember { offset: 0 })
        );

        let mut bad_crc = good.clone();
        let at = bad_crc.len() - 8;
        bad_crc[at] ^= 0xff;
        assert_eq!(
            gunzip.decompress(&bad_crc, &mut out),
            Err(GunzipError::BadMember { offset: 0 })
        );

        let mut trailing = good.clone();
        trailing.extend(b"junk");
        assert_eq!(
            gunzip.decompress(&trailing, &mut out),
            Err(GunzipError::TrailingData {
                offset: good.len(),
                len: 4
            })
        );

        let mut second_bad = good.clone();
        second_bad.extend(&good[..good.len() - 3]);
        assert_eq!(
            gunzip.decompress(&second_bad, &mut out),
            Err(GunzipError::BadMember { offset: good.len() })
        );
    }
}
