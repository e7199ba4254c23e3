//! What reading one table file may cost, in memory and in work.
//!
//! Every file is taken as hostile: these bounds hold whatever it claims
//! about itself. They are operational numbers (what a server can afford per
//! upload), not policy, so they live here with their defaults and callers
//! may override any of them.

/// One mebibyte.
const MIB: u64 = 1024 * 1024;

/// Bounds on reading one table file. The defaults take a county's registry
/// or a province's monthly feed (a million rows) with room to spare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Longest CSV record or Excel row, in bytes of UTF-8 text; a CSV record
    /// counts the line breaks inside its quoted cells. Default 1 MiB.
    pub max_row_bytes: u64,
    /// Largest part of an XLSX workbook once inflated (the sheet's XML,
    /// which is streamed). Default 4 GiB.
    pub max_part_bytes: u64,
    /// Largest XLSX workbook once inflated, all parts together. Default 8 GiB.
    pub max_workbook_bytes: u64,
    /// Highest inflate ratio (inflated ÷ compressed size) of a workbook part
    /// once it is past `ratio_grace_bytes`. Default 100, as Apache POI's
    /// `ZipSecureFile`.
    pub max_inflate_ratio: u64,
    /// Size up to which a part may inflate at any ratio. Default 1 MiB.
    pub ratio_grace_bytes: u64,
    /// Longest single item of a part's XML: a tag, a run of text, a
    /// comment, or a whole cell or shared string. Default 1 MiB (a cell
    /// holds at most 32,767 characters).
    pub max_xml_item_bytes: u64,
    /// Largest shared-string table once inflated; it is held in memory.
    /// Default 256 MiB.
    pub max_shared_strings_bytes: u64,
    /// Most strings in the shared-string table, counted and as declared.
    /// Default 4,000,000.
    pub max_shared_strings: u64,
    /// Largest other part held in memory whole (workbook, styles,
    /// relationships, theme), once inflated. Default 16 MiB.
    pub max_metadata_bytes: u64,
    /// Most XML elements in such a part (each may become a style or a
    /// sheet entry in memory). Default 400,000; Excel allows 64,000 styles.
    pub max_metadata_elements: u64,
    /// Whether legacy Excel 97-2003 (`.xls`) files are read at all.
    /// Default `false`: the reader reserves memory for whatever size a
    /// sheet claims (a 5.5 KiB file claiming 4 billion rows aborts the
    /// process) and that claim cannot be checked before reading, so such
    /// files are refused with a request to save them as .xlsx or CSV.
    pub allow_xls: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_row_bytes: MIB,
            max_part_bytes: 4096 * MIB,
            max_workbook_bytes: 8192 * MIB,
            max_inflate_ratio: 100,
            ratio_grace_bytes: MIB,
            max_xml_item_bytes: MIB,
            max_shared_strings_bytes: 256 * MIB,
            max_shared_strings: 4_000_000,
            max_metadata_bytes: 16 * MIB,
            max_metadata_elements: 400_000,
            allow_xls: false,
        }
    }
}

/// A byte count as people read it: `1 MiB`, `4 GiB`, `800 bytes`.
pub(crate) fn size(bytes: u64) -> String {
    const GIB: u64 = 1024 * MIB;
    match bytes {
        b if b >= GIB && b % GIB == 0 => format!("{} GiB", b / GIB),
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= 1024 && b % 1024 == 0 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(MIB), "1 MiB");
        assert_eq!(size(4096 * MIB), "4 GiB");
        assert_eq!(size(2048), "2 KiB");
        assert_eq!(size(1500), "1500 bytes");
    }
}
