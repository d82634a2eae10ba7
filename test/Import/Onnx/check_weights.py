# Reads hgq IR on stdin and checks that the first dense kernel's column c
# holds multiples of scale[c] no larger than `steps` steps: the weights were
# quantized at import.  check_weights.py SCALE... STEPS
import re
import sys

scales = [float(s) for s in sys.argv[1:-1]]
steps = int(sys.argv[-1])
text = sys.stdin.read()
match = re.search(r"kernel = dense<(\[\[.*?\]\])> : tensor<(\d+)x(\d+)xf32>", text)
rows = eval(match.group(1))
for row in rows:
    for column, value in enumerate(row):
        multiple = value / scales[column]
        if multiple != round(multiple) or abs(multiple) > steps:
            sys.exit("column %d value %r is not a multiple of %r within %d steps"
                     % (column, value, scales[column], steps))
print("kernel columns are multiples of %s within %d steps" % (scales, steps))
