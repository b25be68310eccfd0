"""Write the demo's sample reports into a folder: the bundled text reports, Word copies, and bad files.

Usage: python samples/make_samples.py OUT_DIR
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import docx
import docx.document
import pypdfium2 as pdfium
from docx.enum.text import WD_ALIGN_PARAGRAPH

from reportflow.parsers import parse_document

REPORTS = Path(__file__).with_name("reports")


def word_copy(text_report: Path, target: Path) -> None:
    """The same report as a Word file, laid out the way the text version reads."""
    document = docx.Document()
    for block in parse_document(text_report.read_bytes()).blocks:
        if block.kind == "title":
            document.add_heading(block.text, level=0)
        elif block.kind == "caption":
            document.add_paragraph(block.text, style="Caption").alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif block.kind == "signature":
            signature = document.add_paragraph()
            signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            signature.add_run(block.text).bold = True
        else:
            document.add_paragraph(block.text).alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    document.sections[0].footer.paragraphs[0].text = "Cổng thông tin điện tử tỉnh - Trang 1"
    document.save(target)


def table_report(target: Path) -> None:
    document = docx.Document()
    document.add_heading("Kết quả giải quyết thủ tục hành chính quý III năm 2025", level=0)
    document.add_paragraph("Hà Nội, ngày 5 tháng 10 năm 2025")
    document.add_heading("1. Số liệu tổng hợp", level=1)
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(
        table.rows,
        [("Lĩnh vực", "Hồ sơ", "Đúng hạn"), ("Đất đai", "1.240", "97%"), ("Hộ tịch", "3.515", "99%")],
        strict=True,
    ):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    document.add_heading("2. Nhiệm vụ tiếp theo", level=1)
    document.add_paragraph("Rà soát quy trình nội bộ của từng thủ tục", style="List Bullet")
    document.add_paragraph("Công khai kết quả đánh giá hằng tháng", style="List Bullet")
    document.save(target)


def official_letter(target: Path) -> None:
    """A submission laid out by the state's format rules: issuer and motto side by side, number, place and
    date, type and subject, the recipients beside the signer's block (made up for the demo)."""
    document = docx.Document()
    _two_columns(
        document,
        [
            ("ỦY BAN NHÂN DÂN\nTỈNH LÂM ĐỒNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"),
            ("Số: 215/TTr-UBND", "Lâm Đồng, ngày 14 tháng 11 năm 2025"),
        ],
    )
    for text in ("TỜ TRÌNH", "Về việc đề nghị phê duyệt kế hoạch chuyển đổi số năm 2026"):
        heading = document.add_paragraph()
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        heading.add_run(text).bold = True
    document.add_paragraph("Kính gửi: Hội đồng nhân dân tỉnh Lâm Đồng").alignment = WD_ALIGN_PARAGRAPH.CENTER
    body = (
        "Thực hiện Nghị quyết số 57-NQ/TW ngày 22 tháng 12 năm 2024 của Bộ Chính trị, Ủy ban nhân dân tỉnh kính "
        "trình Hội đồng nhân dân tỉnh xem xét, phê duyệt kế hoạch chuyển đổi số năm 2026 với các nội dung chủ yếu "
        "về hạ tầng số, dữ liệu số và nguồn nhân lực số trên địa bàn tỉnh."
    )
    document.add_paragraph(body).alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    signer = "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\nNguyễn Văn An"
    _two_columns(document, [("Nơi nhận:\n- Như trên;\n- Lưu: VT, KGVX.", signer)])
    document.save(target)


def _two_columns(document: docx.document.Document, rows: list[tuple[str, str]]) -> None:
    table = document.add_table(rows=len(rows), cols=2)
    for row, texts in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = ""
            lines = text.split("\n")
            cell.paragraphs[0].text = lines[0]
            for line in lines[1:]:
                cell.add_paragraph(line)
            for paragraph in cell.paragraphs:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for report in sorted(REPORTS.glob("*.txt")):
        (out / report.name).write_bytes(report.read_bytes())
        word_copy(report, out / report.with_suffix(".docx").name)
    table_report(out / "ket-qua-quy-3.docx")
    official_letter(out / "to-trinh-215.docx")
    (out / "tep-rong.txt").write_bytes(b"")
    (out / "bi-hong.docx").write_bytes(b"PK\x03\x04 this upload was cut short")
    with zipfile.ZipFile(out / "bang-tinh.xlsx", "w") as spreadsheet:
        spreadsheet.writestr("xl/workbook.xml", "<workbook/>")
    other_formats(out)


def other_formats(out: Path) -> None:
    """The quarterly report as a legacy .doc and as a PDF (LibreOffice), and that PDF scanned (a PNG)."""
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        print("LibreOffice is missing: no .doc, PDF or scan samples", file=sys.stderr)
        return
    source = out / "ket-qua-quy-3.docx"
    with tempfile.TemporaryDirectory() as profile:
        for fmt in ("doc", "pdf"):
            command = [program, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless"]
            command += ["--convert-to", fmt, "--outdir", str(out), str(source)]
            subprocess.run(command, check=True, capture_output=True, timeout=120)
    pdf = pdfium.PdfDocument(out / "ket-qua-quy-3.pdf")
    scan = pdf[0].render(scale=200 / 72, grayscale=True).to_pil()
    scan.save(out / "ket-qua-quy-3-ban-scan.png", dpi=(200, 200))
    pdf.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
