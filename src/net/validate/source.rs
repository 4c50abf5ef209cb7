//! Byte sources the column checks read from: a slice, or a DEFLATE stream inflated on the fly
//! into a small buffer, with every inflated byte counted against the frame's budget.

use std::io::{ErrorKind, Read};

use super::FrameRejected;

/// How many more bytes this frame may inflate to.
#[derive(Debug)]
pub(super) struct InflateBudget {
    limit: usize,
    used: usize,
}

impl InflateBudget {
    pub(super) fn new(limit: usize) -> Self {
        Self { limit, used: 0 }
    }

    pub(super) fn used(&self) -> usize {
        self.used
    }

    /// Room for one read: at most one byte past the budget, so the budget is exact.
    fn room(&self, buf_len: usize) -> usize {
        self.limit
            .saturating_sub(self.used)
            .saturating_add(1)
            .min(buf_len)
    }

    fn spend(&mut self, n: usize) -> Result<(), FrameRejected> {
        self.used = self.used.saturating_add(n);
        if self.used > self.limit {
            Err(FrameRejected::InflatesTooMuch { limit: self.limit })
        } else {
            Ok(())
        }
    }

    /// Inflates `compressed` as automerge would, counting and discarding the output.
    #[cfg(test)]
    pub(super) fn inflate(&mut self, compressed: &[u8], what: &str) -> Result<(), FrameRejected> {
        Inflater::new(compressed, self, what).drain_at_most(usize::MAX)
    }
}

/// Bytes read one at a time; `Ok(None)` at the end.
pub(super) trait Source {
    fn next(&mut self) -> Result<Option<u8>, FrameRejected>;

    /// Skips `n` bytes; fails if fewer are left.
    fn skip(&mut self, n: u64) -> Result<(), FrameRejected> {
        for _ in 0..n {
            if self.next()?.is_none() {
                return Err(truncated());
            }
        }
        Ok(())
    }
}

pub(super) fn truncated() -> FrameRejected {
    FrameRejected::BadChunk("data ends inside a structure".into())
}

/// A slice as a source.
pub(super) struct SliceSource<'a>(pub(super) &'a [u8]);

impl Source for SliceSource<'_> {
    fn next(&mut self) -> Result<Option<u8>, FrameRejected> {
        Ok(self.0.split_first().map(|(&first, rest)| {
            self.0 = rest;
            first
        }))
    }

    fn skip(&mut self, n: u64) -> Result<(), FrameRejected> {
        let n = usize::try_from(n).map_err(|_| truncated())?;
        self.0 = self.0.get(n..).ok_or_else(truncated)?;
        Ok(())
    }
}

/// The first `left` bytes of another source; running out early is an error.
pub(super) struct Limited<'s, S> {
    pub(super) inner: &'s mut S,
    pub(super) left: u64,
}

impl<S: Source> Source for Limited<'_, S> {
    fn next(&mut self) -> Result<Option<u8>, FrameRejected> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        self.inner.next()?.map(Some).ok_or_else(truncated)
    }

    fn skip(&mut self, n: u64) -> Result<(), FrameRejected> {
        if n > self.left {
            return Err(truncated());
        }
        self.left -= n;
        self.inner.skip(n)
    }
}

const BUF_LEN: usize = 16 * 1024;

/// A DEFLATE stream inflated through a fixed buffer, with the same decoder automerge uses.
pub(super) struct Inflater<'a, 'b> {
    decoder: flate2::bufread::DeflateDecoder<&'a [u8]>,
    buf: Box<[u8; BUF_LEN]>,
    pos: usize,
    len: usize,
    budget: &'b mut InflateBudget,
    what: &'b str,
}

impl<'a, 'b> Inflater<'a, 'b> {
    pub(super) fn new(compressed: &'a [u8], budget: &'b mut InflateBudget, what: &'b str) -> Self {
        Self {
            decoder: flate2::bufread::DeflateDecoder::new(compressed),
            buf: Box::new([0; BUF_LEN]),
            pos: 0,
            len: 0,
            budget,
            what,
        }
    }

    /// Inflates more into the buffer; false at the end of the stream.
    fn refill(&mut self) -> Result<bool, FrameRejected> {
        let room = self.budget.room(BUF_LEN);
        loop {
            let Some(window) = self.buf.get_mut(..room) else {
                return Err(FrameRejected::InflatesTooMuch {
                    limit: self.budget.limit,
                });
            };
            match self.decoder.read(window) {
                Ok(n) => {
                    self.budget.spend(n)?;
                    self.pos = 0;
                    self.len = n;
                    return Ok(n > 0);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(FrameRejected::BadChunk(format!(
                        "{} does not inflate: {e}",
                        self.what
                    )));
                }
            }
        }
    }

    /// Inflates the rest of the stream, counting it; refuses it once more than `most` bytes
    /// remain, without inflating further.
    pub(super) fn drain_at_most(&mut self, most: usize) -> Result<(), FrameRejected> {
        let mut rest = self.len.saturating_sub(self.pos);
        self.pos = self.len;
        loop {
            if rest > most {
                return Err(FrameRejected::BadChunk(format!(
                    "{} carries more than {most} bytes after its operations",
                    self.what
                )));
            }
            if !self.refill()? {
                return Ok(());
            }
            rest = rest.saturating_add(self.len);
            self.pos = self.len;
        }
    }
}

impl Source for Inflater<'_, '_> {
    fn next(&mut self) -> Result<Option<u8>, FrameRejected> {
        if self.pos >= self.len && !self.refill()? {
            return Ok(None);
        }
        let byte = self.buf.get(self.pos).copied();
        self.pos += 1;
        Ok(byte)
    }

    fn skip(&mut self, mut n: u64) -> Result<(), FrameRejected> {
        while n > 0 {
            if self.pos >= self.len && !self.refill()? {
                return Err(truncated());
            }
            let available = (self.len - self.pos) as u64;
            let step = available.min(n);
            // step ≤ available, which came from a usize.
            self.pos += step as usize;
            n -= step;
        }
        Ok(())
    }
}
