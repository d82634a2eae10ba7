# Writes .npy files whose headers lie (hand-made: numpy refuses to write
# them): negative or non-numeric dimensions, sizes whose product overflows,
# a size far beyond the file.   bad_npy_headers.py OUTPUT_PREFIX
import struct
import sys


def raw(shape_text, data=b"\0" * 64):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape_text
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + data


for name, shape in {"neg": "(-5, 8)", "letter": "(5a8)", "overflow": "(4000000000, 4000000000)",
                    "huge": "(1000000000, 16)"}.items():
    with open(sys.argv[1] + name + ".npy", "wb") as out:
        out.write(raw(shape))
