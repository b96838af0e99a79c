"""Every shipped data file carries a SHA-256 (``fdir/data/SHA256SUMS.txt``) verified on load (issue 18): corrupt
copies made in tmp_path — a labels CSV cut at a line boundary, one flipped byte inside an npz member, a truncated
.xz — raise CorruptDataError naming the file, where before they loaded with 0 MSL rows or raised a raw LZMAError.
The digests are cross-checked with GNU coreutils ``sha256sum -c`` where it is installed (an independent
implementation)."""

import re
import shutil
import subprocess
import zipfile

import pytest

from fdir.data import opssat, smap_msl
from fdir.data._store import CorruptDataError, read_array, read_manifest
from fdir.data.checksums import DATA_DIR, SUMS_FILE, expected_digests, read_verified

SHIPPED = ("labeled_anomalies.csv", "opssat_ad.csv.xz", "smap_msl.npz")


def test_every_shipped_data_file_is_listed_and_passes():
    data_files = {p.name for p in DATA_DIR.iterdir() if p.is_file() and p.suffix not in (".py", ".md")} - {SUMS_FILE}
    assert set(expected_digests()) == data_files == set(SHIPPED)
    for name in SHIPPED:
        assert len(read_verified(DATA_DIR / name)) == (DATA_DIR / name).stat().st_size


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils sha256sum not installed")
def test_checksum_list_agrees_with_coreutils():
    r = subprocess.run(["sha256sum", "--check", "--strict", SUMS_FILE], cwd=DATA_DIR, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count(": OK") == len(SHIPPED)


def test_labels_cut_at_a_line_boundary_names_the_file(tmp_path, monkeypatch):
    lines = (DATA_DIR / "labeled_anomalies.csv").read_text().splitlines(keepends=True)
    first_msl = next(i for i, ln in enumerate(lines) if ",MSL," in ln)
    cut = tmp_path / "labeled_anomalies.csv"
    cut.write_text("".join(lines[:first_msl]))                    # still a well-formed CSV, with no MSL row
    assert not [r for r in smap_msl._parse_labels(cut.read_text(), str(cut)) if r.spacecraft == "MSL"]
    monkeypatch.setattr(smap_msl, "_HERE", tmp_path)
    with pytest.raises(CorruptDataError, match=re.escape(str(cut))):
        smap_msl.label_rows("MSL")
    with pytest.raises(CorruptDataError, match=r"labeled_anomalies\.csv"):
        read_verified(cut)


def _flip_inside_member(src, dst, member):
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo(member)
    # local header: 30 bytes + file name + extra field, then the compressed data
    name_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.compress_size // 2] ^= 0x01
    dst.write_bytes(bytes(data))
    return dst


def test_flipped_byte_inside_an_npz_member_names_the_file(tmp_path, monkeypatch):
    bad = _flip_inside_member(DATA_DIR / "smap_msl.npz", tmp_path / "smap_msl.npz", "test/A-1/value.npy")
    monkeypatch.setattr(smap_msl, "_STORE", bad)
    with pytest.raises(CorruptDataError, match=re.escape(str(bad))):
        smap_msl.load_channel("A-1")
    with pytest.raises(CorruptDataError, match=re.escape(str(bad))):
        smap_msl.all_channel_ids()
    # a store read without the list (a user's own store) still fails with CorruptDataError, not a raw LZMAError
    man = read_manifest(bad)
    with pytest.raises(CorruptDataError, match=re.escape(str(bad))):
        read_array(bad, "test", "A-1", man)
    read_array(bad, "train", "A-1", man)                          # other members are intact


def test_truncated_opssat_copy_names_the_file(tmp_path, monkeypatch):
    src = (DATA_DIR / "opssat_ad.csv.xz").read_bytes()
    bad = tmp_path / "opssat_ad.csv.xz"
    bad.write_bytes(src[: len(src) - 1000])
    monkeypatch.setattr(opssat, "_SHIPPED", bad)
    with pytest.raises(CorruptDataError, match=re.escape(str(bad))):
        opssat.load_frame()


def test_unlisted_file_and_malformed_list(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a,b\n")
    with pytest.raises(CorruptDataError, match="no checksum"):
        read_verified(other)
    with pytest.raises(FileNotFoundError, match="missing"):
        read_verified(tmp_path / "labeled_anomalies.csv")
    (tmp_path / SUMS_FILE).write_text("0123  smap_msl.npz\n")
    with pytest.raises(CorruptDataError, match="line 1"):
        expected_digests(tmp_path)
