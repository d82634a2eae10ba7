"""screenshot_check.py SHOT.png WIDTH HEIGHT: fails unless the screenshot has
that size and shows a page, not a blank one: enough non-white pixels, many
distinct colours, and the heatmap scale's dark purple (narrow elements) and
near-black (dead or pruned) among them."""
import struct
import sys
import zlib

import numpy as np


def decode(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, idat, header = 8, b"", None
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    channels = 3 if color == 2 else 4
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, 1 + width * channels)
    pixels = np.zeros((height, width * channels), np.int32)
    previous = np.zeros(width * channels, np.int32)
    for row in range(height):
        kind, line = raw[row, 0], raw[row, 1:].astype(np.int32)
        if kind == 0:
            current = line
        elif kind == 2:
            current = (line + previous) % 256
        elif kind == 1:  # sub: a running sum per channel
            current = np.cumsum(line.reshape(width, channels), axis=0).reshape(-1) % 256
        else:  # average or Paeth: element by element
            current = np.zeros_like(line)
            for x in range(line.size):
                left = current[x - channels] if x >= channels else 0
                up = previous[x]
                if kind == 3:
                    current[x] = (line[x] + (left + up) // 2) % 256
                else:
                    corner = previous[x - channels] if x >= channels else 0
                    p = left + up - corner
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                    guess = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                    current[x] = (line[x] + guess) % 256
        pixels[row] = current
        previous = current
    return pixels.reshape(height, width, channels)[:, :, :3]


image = decode(sys.argv[1])
height, width = image.shape[:2]
assert (width, height) == (int(sys.argv[2]), int(sys.argv[3])), (width, height)
inked = float((image.sum(axis=2) < 720).mean())
colours = np.unique(image.reshape(-1, 3), axis=0)
near = lambda rgb: bool((np.abs(colours - np.array(rgb)).sum(axis=1) <= 6).any())
assert inked > 0.03, "blank: %.4f of the pixels are not white" % inked
assert len(colours) > 50, "only %d colours" % len(colours)
assert near((68, 1, 84)) and near((40, 40, 40)), "no heatmap colours"
print("screenshot %dx%d: %.0f%% inked, %d colours, heatmap colours present"
      % (width, height, 100 * inked, len(colours)))
