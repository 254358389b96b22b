"""Writes a layer snapshot in the layout of Python's torch.save (zip archive: <name>/data.pkl, a
protocol-2 pickle whose tensors are torch._utils._rebuild_tensor_v2 calls on persistent
('storage', torch.FloatStorage, key, 'cpu', numel) ids, storages in <name>/data/<key>, plus
<name>/version and <name>/byteorder) without needing torch installed, which this venv lacks.

usage: write_torch_save_snapshot.py OUT.pt KEY=OUT,IN ...
Entry [r, c] of the i-th tensor (0-based, in argument order) is (i + 1) + r / 100 + c / 10000.
The last tensor is stored column-major (stride (1, OUT)) as torch.save does for a transposed view.
"""
import collections
import io
import os
import pickle
import sys
import types
import zipfile

import numpy as np

torch_mod = types.ModuleType("torch")
utils_mod = types.ModuleType("torch._utils")


class FloatStorage:  # pickled by reference as GLOBAL 'torch FloatStorage'
    pass


def _rebuild_tensor_v2(*args):  # pickled by reference only
    raise RuntimeError("not called")


FloatStorage.__module__, FloatStorage.__qualname__ = "torch", "FloatStorage"
_rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = "torch._utils", "_rebuild_tensor_v2"
torch_mod.FloatStorage, utils_mod._rebuild_tensor_v2, torch_mod._utils = FloatStorage, _rebuild_tensor_v2, utils_mod
sys.modules["torch"], sys.modules["torch._utils"] = torch_mod, utils_mod


class Storage:
    def __init__(self, key, data):
        self.key, self.data = key, data


class Tensor:
    def __init__(self, storage, shape, stride):
        self.storage, self.shape, self.stride = storage, shape, stride

    def __reduce__(self):
        return (_rebuild_tensor_v2, (self.storage, 0, self.shape, self.stride, False, collections.OrderedDict()))


def main():
    out = sys.argv[1]
    specs = [a.split("=") for a in sys.argv[2:]]
    obj, storages = {}, []
    for i, (key, dims) in enumerate(specs):
        rows, cols = (int(x) for x in dims.split(","))
        r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
        arr = ((i + 1) + r / 100 + c / 10000).astype("<f4")
        if i == len(specs) - 1:
            data, stride = np.asfortranarray(arr).tobytes(order="F"), (1, rows)
        else:
            data, stride = arr.tobytes(order="C"), (cols, 1)
        st = Storage(str(i), data)
        storages.append(st)
        obj[key] = Tensor(st, (rows, cols), stride)

    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=2)
    p.persistent_id = lambda o: ("storage", FloatStorage, o.key, "cpu", len(o.data) // 4) if isinstance(o, Storage) else None
    p.dump(obj)
    name = os.path.splitext(os.path.basename(out))[0]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr(name + "/data.pkl", buf.getvalue())
        z.writestr(name + "/byteorder", "little")
        for st in storages:
            z.writestr(name + "/data/" + st.key, st.data)
        z.writestr(name + "/version", "3\n")


main()
