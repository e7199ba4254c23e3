//! 案件附件: a file attached to a case (the photo of the signed 承诺授权书,
//! deliberation minutes). Only images (JPEG, PNG) and PDFs are taken, and
//! which one a file is comes from its first bytes (its "magic"), never
//! from its name or the type the browser claims.

use crate::coded::coded_enum;

coded_enum! {
    /// The type of an attachment, as its bytes say.
    AttachmentKind {
        /// JPEG image (a phone's photo).
        Jpeg => ("jpeg", "JPEG图片", "JPEG image"),
        /// PNG image (a scan or screenshot).
        Png => ("png", "PNG图片", "PNG image"),
        /// PDF document.
        Pdf => ("pdf", "PDF文件", "PDF document"),
    }
}

impl AttachmentKind {
    /// The type of a file from its first bytes; `None` for anything that
    /// is not a JPEG, PNG or PDF (whatever its name says).
    pub fn sniff(bytes: &[u8]) -> Option<AttachmentKind> {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(AttachmentKind::Jpeg)
        } else if bytes.starts_with(PNG) {
            Some(AttachmentKind::Png)
        } else if bytes.starts_with(b"%PDF-") {
            Some(AttachmentKind::Pdf)
        } else {
            None
        }
    }

    /// The media type it is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            AttachmentKind::Jpeg => "image/jpeg",
            AttachmentKind::Png => "image/png",
            AttachmentKind::Pdf => "application/pdf",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bytes_decide_not_the_name() {
        // Oracle: the published signatures (JPEG SOI + marker, the PNG
        // signature of RFC 2083, the PDF header).
        assert_eq!(
            AttachmentKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(AttachmentKind::Jpeg)
        );
        assert_eq!(
            AttachmentKind::sniff(&[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]),
            Some(AttachmentKind::Png)
        );
        assert_eq!(
            AttachmentKind::sniff(b"%PDF-1.7\n%\xE2\xE3"),
            Some(AttachmentKind::Pdf)
        );
        for bad in [
            &b""[..],
            b"\xFF\xD8",
            b"\x89PNG\r\n",
            b"%PDF",
            b"GIF89a",
            b"MZ\x90\x00",
            b"<html>%PDF-1.7",
            b"PK\x03\x04",
        ] {
            assert_eq!(AttachmentKind::sniff(bad), None, "{bad:?}");
        }
        assert_eq!(AttachmentKind::Pdf.content_type(), "application/pdf");
    }
}
