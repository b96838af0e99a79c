"""Loaders of the shipped NASA SMAP/MSL copy (telemanom data set, arXiv:1802.04431) and OPS-SAT-AD
(arXiv:2407.04730): published counts, quirks (P-2 twice, T-10 unlabelled), and clear failures on corrupt or
missing files."""

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from fdir.data import smap_msl
from fdir.data._store import CorruptDataError, read_array, write_store
from fdir.data.smap_msl import all_channel_ids, channel_ids, label_rows, load_channel

ORIGINAL = Path(__file__).resolve().parents[4] / "shared" / "data" / "telemetry" / "SMAP_MSL"


def test_label_counts_match_published():
    # telemanom README / labeled_anomalies.csv: 82 rows (55 SMAP incl. P-2 twice, 27 MSL), 69 + 36 sequences
    smap, msl = label_rows("SMAP"), label_rows("MSL")
    assert (len(smap), len(msl)) == (55, 27)
    assert sum(len(r.sequences) for r in smap) == 69 and sum(len(r.sequences) for r in msl) == 36
    assert len(channel_ids("SMAP")) == 54 and len(channel_ids("MSL")) == 27
    assert len(label_rows("SMAP", p2="drop")) == 53
    ids = all_channel_ids()
    assert len(ids) == 82 and "T-10" in ids and "T-10" not in channel_ids()
    with pytest.raises(ValueError, match="spacecraft"):
        label_rows("HST")
    with pytest.raises(ValueError, match="p2"):
        label_rows(p2="first")


def test_quirks_and_shapes():
    p2 = load_channel("P-2")
    assert [r.sequences for r in p2.labels] == [((5350, 6575),), ((5300, 6420),)]
    t10 = load_channel("T-10")
    assert not t10.labelled and t10.spacecraft == "MSL" and t10.test.shape[1] == 55
    a1 = load_channel("A-1")
    assert a1.spacecraft == "SMAP" and a1.train.shape == (2880, 25) and a1.test.shape == (8640, 25)
    assert a1.labels[0].num_values == a1.test.shape[0]
    cmd = a1.test[:, 1:]
    assert np.all((cmd == 0) | (cmd == 1)) and a1.train.dtype == np.float64
    with pytest.raises(KeyError):
        load_channel("Z-99")


@pytest.mark.skipif(not ORIGINAL.is_dir(), reason="original data folder not available")
def test_shipped_copy_is_bit_exact():
    for chan in ("A-1", "C-2", "P-2"):
        shipped, orig = load_channel(chan), load_channel(chan, source=ORIGINAL)
        np.testing.assert_array_equal(shipped.train, orig.train)
        np.testing.assert_array_equal(shipped.test, orig.test)
        assert shipped.labels == orig.labels


def _folder(tmp_path, train, test, seq="[[10, 20]]", header=None):
    (tmp_path / "train").mkdir(parents=True)
    (tmp_path / "test").mkdir()
    np.save(tmp_path / "train" / "X-1.npy", train)
    np.save(tmp_path / "test" / "X-1.npy", test)
    head = header or "chan_id,spacecraft,anomaly_sequences,class,num_values"
    (tmp_path / "labeled_anomalies.csv").write_text(f'{head}\nX-1,SMAP,"{seq}",[point],{test.shape[0]}\n')
    return tmp_path


def _arr(T, D=25):
    a = np.zeros((T, D))
    a[:, 0] = np.linspace(-1, 1, T)
    a[::7, 3] = 1.0
    return a


def test_folder_source_and_failures(tmp_path):
    ok = load_channel("X-1", source=_folder(tmp_path / "ok", _arr(100), _arr(50)))
    assert ok.labels[0].sequences == ((10, 20),)
    with pytest.raises(CorruptDataError, match="D=30"):
        load_channel("X-1", source=_folder(tmp_path / "d", _arr(100, 30), _arr(50, 30)))
    bad = _arr(50)
    bad[3, 5] = 0.5
    with pytest.raises(CorruptDataError, match="0/1"):
        load_channel("X-1", source=_folder(tmp_path / "c", _arr(100), bad))
    with pytest.raises(CorruptDataError, match="outside"):
        load_channel("X-1", source=_folder(tmp_path / "s", _arr(100), _arr(50), seq="[[40, 60]]"))
    with pytest.raises(CorruptDataError, match="header"):
        load_channel("X-1", source=_folder(tmp_path / "h", _arr(100), _arr(50), header="chan,sc,seq,cls,n"))
    src = _folder(tmp_path / "m", _arr(100), _arr(50))
    (src / "test" / "X-1.npy").unlink()
    with pytest.raises(FileNotFoundError):
        load_channel("X-1", source=src)
    (src / "test" / "X-1.npy").write_bytes(b"not a npy file")
    with pytest.raises(CorruptDataError, match="readable"):
        load_channel("X-1", source=src)


def test_store_checksum_detects_tampering(tmp_path):
    a = _arr(40)
    path = write_store(tmp_path / "s.npz", [("train", "X-1", a)])
    np.testing.assert_array_equal(read_array(path, "train", "X-1"), a)
    # rewrite the value member with one changed sample: same shape, wrong digest
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    buf = io.BytesIO()
    v = a[:, 0].copy()
    v[5] += 1e-9
    np.lib.format.write_array(buf, v)
    members["train/X-1/value.npy"] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)
    with pytest.raises(CorruptDataError):
        read_array(path, "train", "X-1")
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(CorruptDataError):
        read_array(tmp_path / "junk.npz", "train", "X-1")
    assert smap_msl.default_source().is_file()


def test_opssat_official_split():
    from fdir.data.opssat import FEATURES, load_split

    s = load_split()
    # arXiv:2407.04730 / README: train 1,594 (321 anomalous), test 529 (113 anomalous), 18 features
    assert s.X_train.shape == (1594, len(FEATURES)) == (1594, 18) and s.X_test.shape == (529, 18)
    assert int(s.y_train.sum()) == 321 and int(s.y_test.sum()) == 113
    assert set(np.unique(s.sampling_s_train)) <= {1.0, 5.0}
