//! Hostile XLSX workbooks: decompression bombs, lying zip headers, parts
//! that calamine would hold in memory whole.
//!
//! Before calamine reads a workbook, [`inspect`] inflates every part of its
//! zip once, counting the real bytes as they come (a header can lie), and
//! checks its size, its inflate ratio and its XML ([`XmlScan`]). Calamine
//! then reads through a [`Gate`]: the zip crate seeks to a part's data
//! right before inflating it, and the gate refuses that seek for a part
//! that failed a check, or, while the workbook is being opened, for a part
//! too big to be held in memory (calamine keeps the shared strings, styles,
//! workbook and relationships). Which role calamine gives a part is its
//! business; the gate only needs to know when it reads, so no path logic
//! of calamine's is repeated here. Once the sheet is being streamed, a part
//! may be large: its items are bounded and its rows leave as they come.

use crate::error::TabularError;
use crate::limits::{Limits, size};
use crate::xml_scan::{PartShape, XmlScan};
use std::cell::{Cell, RefCell};
use std::io::{self, Read, Seek, SeekFrom};
use std::rc::Rc;
use zip::ZipArchive;

/// Bytes inflated at a time.
const CHUNK: usize = 64 * 1024;
/// Longest part name quoted in a message.
const NAME_CHARS: usize = 120;

/// One part of the workbook's zip, as inspected.
#[derive(Debug)]
pub(crate) struct Part {
    /// The part's name, printable.
    name: String,
    /// Offset of its compressed data in the file.
    data_start: u64,
    compressed: u64,
    /// Real inflated size (as far as it was inflated, if it failed).
    inflated: u64,
    shape: PartShape,
    /// Why it may not be read at all.
    problem: Option<String>,
}

/// Inflates and checks every part of the workbook in `source`. An error is
/// for the workbook as a whole; a part's problem is kept for the gate.
pub(crate) fn inspect<R: Read + Seek>(
    source: &mut R,
    limits: &Limits,
) -> Result<Vec<Part>, TabularError> {
    let mut zip = ZipArchive::new(source).map_err(|e| damaged(&e))?;
    let mut parts = Vec::new();
    let mut buf = vec![0; CHUNK];
    let mut total = 0;
    for i in 0..zip.len() {
        // A part the zip crate cannot open, calamine cannot read either.
        let Ok(mut file) = zip.by_index(i) else {
            continue;
        };
        let Some(data_start) = file.data_start() else {
            continue;
        };
        let mut part = Part {
            name: printable(&String::from_utf8_lossy(file.name_raw())),
            data_start,
            compressed: file.compressed_size(),
            inflated: 0,
            shape: PartShape::default(),
            problem: None,
        };
        part.problem = check(&mut file, &mut part, &mut buf, &mut total, limits)?;
        parts.push(part);
    }
    parts.sort_by_key(|p| p.data_start);
    // Parts that share compressed data (a known bomb design) never come
    // from a spreadsheet program.
    if parts
        .windows(2)
        .any(|w| w[0].data_start.saturating_add(w[0].compressed) > w[1].data_start)
    {
        return Err(TabularError::Xlsx(
            "the workbook's zip parts overlap (ZIP结构异常：数据块重叠)".to_string(),
        ));
    }
    Ok(parts)
}

/// Inflates one part through the checks; `Some` is the part's problem.
fn check(
    file: &mut impl Read,
    part: &mut Part,
    buf: &mut [u8],
    total: &mut u64,
    limits: &Limits,
) -> Result<Option<String>, TabularError> {
    let mut scan = XmlScan::new(limits);
    let ratio_cap = part.compressed.saturating_mul(limits.max_inflate_ratio);
    let name = &part.name;
    let problem = loop {
        let n = match file.read(buf) {
            Ok(0) => break None,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => break Some(format!("{name} cannot be inflated: {e} (无法解压)")),
        };
        part.inflated += n as u64;
        *total += n as u64;
        if *total > limits.max_workbook_bytes {
            let max = size(limits.max_workbook_bytes);
            return Err(TabularError::Xlsx(format!(
                "the workbook inflates to more than {max} (工作簿解压后超过{max})"
            )));
        }
        if part.inflated > limits.max_part_bytes {
            let max = size(limits.max_part_bytes);
            break Some(format!(
                "{name} inflates to more than {max} (解压后超过{max})"
            ));
        }
        if part.inflated > limits.ratio_grace_bytes && part.inflated > ratio_cap {
            let ratio = limits.max_inflate_ratio;
            break Some(format!(
                "{name} inflates to more than {ratio} times its compressed size, as a \
                 decompression bomb does (解压后超过压缩大小的{ratio}倍，疑似压缩炸弹)"
            ));
        }
        if let Err(e) = scan.feed(&buf[..n]) {
            break Some(format!("{name}, {e}"));
        }
    };
    part.shape = scan.shape().clone();
    Ok(problem)
}

impl Part {
    /// Whether calamine may inflate this part now.
    fn admit(&self, opening: bool, limits: &Limits) -> Result<(), String> {
        if let Some(problem) = &self.problem {
            return Err(problem.clone());
        }
        if !opening {
            return Ok(());
        }
        let name = &self.name;
        if self.shape.shared_strings_only {
            if self.inflated > limits.max_shared_strings_bytes {
                let max = size(limits.max_shared_strings_bytes);
                return Err(format!(
                    "{name}: the shared strings inflate to more than {max} \
                     (共享字符串表解压后超过{max})"
                ));
            }
        } else if self.inflated > limits.max_metadata_bytes {
            let max = size(limits.max_metadata_bytes);
            return Err(format!(
                "{name} inflates to more than {max}, too much for a part read whole \
                 (需整体读取的部分解压后超过{max})"
            ));
        } else if self.shape.elements > limits.max_metadata_elements {
            let max = limits.max_metadata_elements;
            return Err(format!(
                "{name} has more than {max} elements, too many for a part read whole \
                 (需整体读取的部分元素超过{max}个)"
            ));
        }
        Ok(())
    }
}

/// What the gate knows, shared with the thread that drives calamine.
#[derive(Debug)]
pub(crate) struct GateState {
    parts: Vec<Part>,
    limits: Limits,
    /// The workbook is being opened (not yet streaming the sheet).
    opening: Cell<bool>,
    /// Why the gate refused a part, for the error calamine then returns.
    refusal: RefCell<Option<String>>,
}

impl GateState {
    /// From now on calamine streams the sheet.
    pub(crate) fn streaming(&self) {
        self.opening.set(false);
    }

    /// Calamine's error, or the gate's reason behind it.
    pub(crate) fn explain(&self, e: calamine::XlsxError) -> TabularError {
        match self.refusal.borrow_mut().take() {
            Some(why) => TabularError::Xlsx(why),
            None => e.into(),
        }
    }
}

/// A source that lets calamine inflate only the parts [`Part::admit`]s.
pub(crate) struct Gate<R> {
    inner: R,
    state: Rc<GateState>,
}

impl<R> Gate<R> {
    /// Wraps `inner`, whose parts were [`inspect`]ed.
    pub(crate) fn new(inner: R, parts: Vec<Part>, limits: &Limits) -> Self {
        Gate {
            inner,
            state: Rc::new(GateState {
                parts,
                limits: limits.clone(),
                opening: Cell::new(true),
                refusal: RefCell::new(None),
            }),
        }
    }

    /// The state, kept by the caller after the gate goes to calamine.
    pub(crate) fn state(&self) -> Rc<GateState> {
        Rc::clone(&self.state)
    }
}

impl<R: Read> Read for Gate<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<R: Seek> Seek for Gate<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        if let SeekFrom::Start(at) = pos {
            let s = &self.state;
            let first = s.parts.partition_point(|p| p.data_start < at);
            for part in s.parts[first..].iter().take_while(|p| p.data_start == at) {
                if let Err(why) = part.admit(s.opening.get(), &s.limits) {
                    *s.refusal.borrow_mut() = Some(why.clone());
                    return Err(io::Error::new(io::ErrorKind::InvalidData, why));
                }
            }
        }
        self.inner.seek(pos)
    }
}

fn damaged(e: &zip::result::ZipError) -> TabularError {
    TabularError::Xlsx(format!(
        "the workbook's zip cannot be read: {e} (ZIP结构无法读取)"
    ))
}

/// A part's name fit for a message: printable, and not too long.
fn printable(name: &str) -> String {
    let mut out: String = name
        .chars()
        .filter(|c| !c.is_control())
        .take(NAME_CHARS)
        .collect();
    if name.chars().count() > NAME_CHARS {
        out.push('…');
    }
    out
}
