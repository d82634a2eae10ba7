//===- ReportRender.cpp - The report as Markdown and as one HTML page -----===//
//
// Both pages are drawn from the JSON document alone (Report.cpp), so they
// show the same numbers. The HTML page needs nothing from the network: the
// graph and the legends are inline SVG, the heatmaps inline PNG (one pixel
// per element, scaled up without smoothing), written here with LLVM's zlib
// when it has one and as stored deflate blocks otherwise.
//
//===----------------------------------------------------------------------===//

#include "hgq/Target/Report.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Base64.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/Compression.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

using namespace hgq;
namespace json = llvm::json;

namespace {

//===-- Reading the document ---------------------------------------------===//

const json::Object &objectAt(const json::Object &object, llvm::StringRef key) {
  static const json::Object empty;
  const json::Object *found = object.getObject(key);
  return found ? *found : empty;
}

const json::Array &arrayAt(const json::Object &object, llvm::StringRef key) {
  static const json::Array empty;
  const json::Array *found = object.getArray(key);
  return found ? *found : empty;
}

std::string stringAt(const json::Object &object, llvm::StringRef key) {
  return object.getString(key).value_or("").str();
}

double numberAt(const json::Object &object, llvm::StringRef key) {
  return object.getNumber(key).value_or(0);
}

std::vector<int64_t> integers(const json::Array &array) {
  std::vector<int64_t> values;
  for (const json::Value &value : array)
    values.push_back(value.getAsInteger().value_or(0));
  return values;
}

std::string shapeText(const json::Array &shape) {
  std::string text;
  for (int64_t dim : integers(shape))
    text += (text.empty() ? "" : "x") + std::to_string(dim);
  return text.empty() ? "-" : text;
}

/// "min / median / max" of a spread, or "-".
std::string spreadText(const json::Object &stats, llvm::StringRef key) {
  const json::Object *spread = stats.getObject(key);
  if (!spread || spread->empty())
    return "-";
  auto at = [&](llvm::StringRef part) {
    return std::to_string(spread->getInteger(part).value_or(0));
  };
  if (at("min") == at("max"))
    return at("min");
  return at("min") + " / " + at("median") + " / " + at("max");
}

/// Counts with thousands separators; a fraction keeps one decimal below
/// 1,000 (EBOPs of a lookup table) and is rounded above.
std::string number(double value) {
  if (value != std::floor(value) && std::fabs(value) < 1000)
    return llvm::formatv("{0:F1}", value).str();
  std::string digits = std::to_string(int64_t(std::llround(value)));
  std::string text;
  int count = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (count && count % 3 == 0 && *it != '-')
      text.insert(text.begin(), ',');
    text.insert(text.begin(), *it);
    ++count;
  }
  return text;
}

std::string escape(llvm::StringRef text) {
  std::string escaped;
  for (char c : text) {
    switch (c) {
    case '<':
      escaped += "&lt;";
      break;
    case '>':
      escaped += "&gt;";
      break;
    case '&':
      escaped += "&amp;";
      break;
    case '"':
      escaped += "&quot;";
      break;
    default:
      escaped += c;
    }
  }
  return escaped;
}

/// A Markdown table cell: no '|' or line breaks.
std::string cell(llvm::StringRef text) {
  std::string clean;
  for (char c : text)
    clean += c == '|' ? '/' : (c == '\n' ? ' ' : c);
  return clean;
}

std::string checkText(const json::Object &checks, llvm::StringRef key) {
  std::optional<bool> value = checks.getBoolean(key);
  if (!value)
    return "not run";
  return *value ? "equal" : "DIFFERENT";
}

//===-- Heatmaps ----------------------------------------------------------===//

using Rgb = std::array<uint8_t, 3>;

/// Viridis at 9 stops, interpolated: narrow elements dark blue, wide ones
/// yellow; a dead element (width 0) is near-black grey, padding white.
Rgb widthColor(int width, int maxWidth) {
  static const Rgb stops[] = {{68, 1, 84},    {71, 44, 122},  {59, 81, 139},
                              {44, 113, 142}, {33, 144, 141}, {39, 173, 129},
                              {92, 200, 99},  {170, 220, 50}, {253, 231, 37}};
  if (width <= 0)
    return {40, 40, 40};
  double t = maxWidth <= 1 ? 1.0 : double(width - 1) / double(maxWidth - 1);
  double position = t * 8;
  int low = std::min(int(position), 7);
  double weight = position - low;
  Rgb color;
  for (int c = 0; c < 3; ++c)
    color[c] = uint8_t(
        std::lround(stops[low][c] * (1 - weight) + stops[low + 1][c] * weight));
  return color;
}

std::string hexColor(const Rgb &color) {
  return llvm::formatv("#{0:x-2}{1:x-2}{2:x-2}", color[0], color[1], color[2])
      .str();
}

void appendBigEndian(std::string &bytes, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    bytes += char((value >> shift) & 0xff);
}

void appendChunk(std::string &png, llvm::StringRef type, llvm::StringRef data) {
  appendBigEndian(png, uint32_t(data.size()));
  std::string body = type.str() + data.str();
  png += body;
  appendBigEndian(png, llvm::crc32(llvm::arrayRefFromStringRef(body)));
}

/// zlib stream of `raw`: compressed with LLVM's zlib when it has one, else
/// stored blocks.
std::string zlibStream(const std::vector<uint8_t> &raw) {
  if (llvm::compression::zlib::isAvailable()) {
    llvm::SmallVector<uint8_t, 0> compressed;
    llvm::compression::zlib::compress(raw, compressed);
    return std::string(compressed.begin(), compressed.end());
  }
  std::string stream("\x78\x01", 2);
  size_t offset = 0;
  do {
    size_t size = std::min<size_t>(65535, raw.size() - offset);
    bool last = offset + size == raw.size();
    stream += char(last ? 1 : 0);
    stream += char(size & 0xff);
    stream += char(size >> 8);
    stream += char(~size & 0xff);
    stream += char((~size >> 8) & 0xff);
    stream.append(reinterpret_cast<const char *>(raw.data()) + offset, size);
    offset += size;
  } while (offset < raw.size());
  uint32_t a = 1, b = 0;
  for (uint8_t byte : raw) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  appendBigEndian(stream, (b << 16) | a);
  return stream;
}

/// An 8-bit palette PNG of `indices` (rows x columns).
std::string encodePng(int64_t columns, int64_t rows,
                      const std::vector<uint8_t> &indices,
                      const std::vector<Rgb> &palette) {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string header;
  appendBigEndian(header, uint32_t(columns));
  appendBigEndian(header, uint32_t(rows));
  header += std::string("\x08\x03\x00\x00\x00", 5); // 8 bit, palette
  appendChunk(png, "IHDR", header);
  std::string colors;
  for (const Rgb &color : palette)
    colors.append(reinterpret_cast<const char *>(color.data()), 3);
  appendChunk(png, "PLTE", colors);
  std::vector<uint8_t> raw;
  raw.reserve(size_t(rows * (columns + 1)));
  for (int64_t row = 0; row < rows; ++row) {
    raw.push_back(0); // filter: none
    raw.insert(raw.end(), indices.begin() + row * columns,
               indices.begin() + (row + 1) * columns);
  }
  appendChunk(png, "IDAT", zlibStream(raw));
  appendChunk(png, "IEND", "");
  return png;
}

/// Where each element of a tensor goes in a 2-D picture: an activation of
/// shape (H, W, C) as C images of H x W side by side; anything else of rank
/// 2 or more as (all but the last dimension) x (the last: a kernel's output
/// channels); a vector wrapped into rows of 32.
struct Layout {
  int64_t rows = 1, columns = 1;
  std::vector<int64_t> position; ///< per element: row * columns + column
  std::string caption;
};

Layout layoutOf(std::vector<int64_t> shape, bool activation, int64_t elements) {
  Layout layout;
  // A shape that does not describe the elements (not static) draws them as
  // a vector.
  int64_t count = 1;
  for (int64_t dim : shape)
    count = dim > 0 ? count * dim : -1;
  if (count != elements)
    shape = {elements};
  if (activation && shape.size() == 3) {
    int64_t height = shape[0], width = shape[1], channels = shape[2];
    layout.rows = height;
    layout.columns = channels * (width + 1) - 1;
    for (int64_t e = 0; e < elements; ++e) {
      int64_t c = e % channels, w = (e / channels) % width,
              h = e / (channels * width);
      layout.position.push_back(h * layout.columns + c * (width + 1) + w);
    }
    layout.caption = std::to_string(channels) +
                     (channels == 1 ? " channel of " : " channels of ") +
                     std::to_string(height) + "x" + std::to_string(width);
    return layout;
  }
  if (shape.size() >= 2) {
    layout.columns = std::max<int64_t>(shape.back(), 1);
    layout.rows = (elements + layout.columns - 1) / layout.columns;
    layout.caption = "rows: " +
                     (shape.size() == 2 ? std::string("inputs")
                                        : std::string("taps x inputs")) +
                     ", columns: the last dimension";
    if (activation)
      layout.caption = "rows x the last dimension";
  } else {
    layout.columns = std::min<int64_t>(std::max<int64_t>(elements, 1), 32);
    layout.rows = (elements + layout.columns - 1) / layout.columns;
    layout.caption = elements > 32 ? "elements in rows of 32" : "elements";
  }
  for (int64_t e = 0; e < elements; ++e)
    layout.position.push_back(e);
  return layout;
}

/// An <img> of the widths, one pixel per element, and its caption.
std::string heatmapHtml(const std::vector<int64_t> &widths,
                        const std::vector<int64_t> &shape, bool activation,
                        int maxWidth) {
  Layout layout = layoutOf(shape, activation, int64_t(widths.size()));
  // A palette PNG has 256 colours: padding, dead, and up to 254 widths.
  maxWidth = std::min(maxWidth, 254);
  std::vector<Rgb> palette{{255, 255, 255}};
  for (int width = 0; width <= maxWidth; ++width)
    palette.push_back(widthColor(width, maxWidth));
  std::vector<uint8_t> indices(size_t(layout.rows * layout.columns), 0);
  for (size_t e = 0; e < widths.size(); ++e)
    indices[size_t(layout.position[e])] =
        uint8_t(1 + std::clamp<int64_t>(widths[e], 0, maxWidth));
  std::string png = encodePng(layout.columns, layout.rows, indices, palette);
  int64_t scale = std::clamp<int64_t>(640 / layout.columns, 1, 14);
  if (layout.rows * scale > 900)
    scale = std::max<int64_t>(1, 900 / layout.rows);
  return llvm::formatv("<img class=\"heat\" alt=\"per-element widths\" "
                       "width=\"{0}\" height=\"{1}\" "
                       "src=\"data:image/png;base64,{2}\"><div "
                       "class=\"caption\">{3}</div>",
                       layout.columns * scale, layout.rows * scale,
                       llvm::encodeBase64(png), escape(layout.caption))
      .str();
}

/// The colour scale: dead, then every width up to the widest.
std::string legendSvg(int maxWidth) {
  int steps = std::clamp(maxWidth, 1, 254); // as the heatmaps' palette
  int box = std::clamp(360 / (steps + 1), 8, 28);
  std::string svg;
  llvm::raw_string_ostream os(svg);
  os << "<svg class=\"legend\" width=\"" << (steps + 1) * box + 200
     << "\" height=\"42\" role=\"img\" aria-label=\"width colour scale\">";
  for (int width = 0; width <= steps; ++width) {
    os << "<rect x=\"" << width * box << "\" y=\"0\" width=\"" << box
       << "\" height=\"18\" fill=\"" << hexColor(widthColor(width, steps))
       << "\"/>";
    bool label = width == 0 || width == steps || width == 1 ||
                 (steps > 8 ? width % 4 == 0 : true);
    if (label)
      os << "<text x=\"" << width * box + box / 2
         << "\" y=\"33\" text-anchor=\"middle\">"
         << (width == 0 ? std::string("0") : std::to_string(width))
         << "</text>";
  }
  os << "<text x=\"" << (steps + 1) * box + 8
     << "\" y=\"14\">bits (0: dead or pruned)</text></svg>";
  return svg;
}

//===-- The graph ---------------------------------------------------------===//

std::string nodeColor(llvm::StringRef op) {
  if (op == "quantize" || op == "signature")
    return "#dbeafe";
  if (op == "dense" || op == "conv")
    return "#fde2c4";
  if (op == "activation" || op == "unary_lut")
    return "#d9f2d9";
  if (op.contains("pool"))
    return "#eadcf5";
  if (op == "input" || op == "output")
    return "#f1f1f1";
  return "#ececec";
}

/// The nodes top to bottom in program order; an edge from the node just
/// above is a short arrow, a longer one an arc on the right.
std::string graphSvg(const json::Array &layers) {
  constexpr int kWidth = 340, kHeight = 30, kGap = 16, kLeft = 8;
  std::map<std::string, int> row;
  int index = 0;
  for (const json::Value &value : layers)
    if (const json::Object *layer = value.getAsObject())
      row[stringAt(*layer, "id")] = index++;
  int longEdges = 0;
  std::string edges, boxes;
  llvm::raw_string_ostream edgeOs(edges), boxOs(boxes);
  index = 0;
  for (const json::Value &value : layers) {
    const json::Object *layer = value.getAsObject();
    if (!layer)
      continue;
    int y = 6 + index * (kHeight + kGap);
    for (const json::Value &input : arrayAt(*layer, "inputs")) {
      auto found = row.find(input.getAsString().value_or("").str());
      if (found == row.end())
        continue;
      int fromY = 6 + found->second * (kHeight + kGap) + kHeight;
      if (found->second == index - 1) {
        edgeOs << "<line x1=\"" << kLeft + kWidth / 2 << "\" y1=\"" << fromY
               << "\" x2=\"" << kLeft + kWidth / 2 << "\" y2=\"" << y - 2
               << "\" class=\"edge\" marker-end=\"url(#arrow)\"/>";
      } else {
        int bend = kLeft + kWidth + 14 + 12 * (longEdges++ % 6);
        edgeOs
            << "<path d=\"M" << kLeft + kWidth << " " << fromY - kHeight / 2
            << " C" << bend << " " << fromY - kHeight / 2 << " " << bend << " "
            << y + kHeight / 2 << " " << kLeft + kWidth + 2 << " "
            << y + kHeight / 2
            << "\" class=\"edge\" fill=\"none\" marker-end=\"url(#arrow)\"/>";
      }
    }
    std::string op = stringAt(*layer, "op");
    std::string label = stringAt(*layer, "name");
    if (label.size() > 26)
      label = label.substr(0, 25) + "…";
    std::string detail = op;
    if (const json::Array *shape = layer->getArray("shape");
        shape && !shape->empty())
      detail += " " + shapeText(*shape);
    boxOs << "<g><title>" << escape(stringAt(*layer, "name")) << "</title>"
          << "<rect x=\"" << kLeft << "\" y=\"" << y << "\" width=\"" << kWidth
          << "\" height=\"" << kHeight << "\" rx=\"5\" fill=\"" << nodeColor(op)
          << "\" stroke=\"#888\"/><text x=\"" << kLeft + 10 << "\" y=\""
          << y + 20 << "\" class=\"name\">" << escape(label)
          << "</text><text x=\"" << kLeft + kWidth - 10 << "\" y=\"" << y + 20
          << "\" text-anchor=\"end\" class=\"op\">" << escape(detail)
          << "</text></g>";
    ++index;
  }
  int height = 12 + index * (kHeight + kGap);
  return llvm::formatv(
             "<svg class=\"graph\" width=\"{0}\" height=\"{1}\" role=\"img\" "
             "aria-label=\"model graph\"><defs><marker id=\"arrow\" "
             "viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
             "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 "
             "0 L10 5 L0 10 z\" fill=\"#666\"/></marker></defs>{2}{3}</svg>",
             kLeft + kWidth + 100, height, edges, boxes)
      .str();
}

//===-- Shared rows -------------------------------------------------------===//

struct SummaryItem {
  std::string label, value;
};

std::vector<SummaryItem> summaryItems(const json::Object &report) {
  const json::Object &totals = objectAt(report, "totals");
  const json::Object &checks = objectAt(report, "checks");
  double parameters = numberAt(totals, "parameters");
  double weights = numberAt(totals, "weights");
  double pruned = numberAt(totals, "pruned_weights");
  double activations = numberAt(totals, "quantized_activations");
  double dead = numberAt(totals, "dead_activations");
  auto percent = [](double part, double whole) {
    return whole > 0 ? llvm::formatv(" ({0:F1}%)", 100 * part / whole).str()
                     : std::string();
  };
  return {
      {"EBOPs", number(numberAt(totals, "ebops"))},
      {"BOPs", number(numberAt(totals, "bops"))},
      {"parameters", number(parameters)},
      {"pruned weights", number(pruned) + percent(pruned, weights)},
      {"quantized activations", number(activations)},
      {"dead activations", number(dead) + percent(dead, activations)},
      {"activation bits", number(numberAt(totals, "activation_bits"))},
      {"overflows on calibration", number(numberAt(totals, "overflows"))},
      {"layer level = proxy", checkText(checks, "layer_equals_proxy")},
      {"C simulation = hgq-run", checkText(checks, "csim_equals_hgq_run")},
  };
}

/// The columns of the layer table, shared by both pages.
std::vector<std::string> layerRow(const json::Object &layer) {
  const json::Object *output = layer.getObject("output");
  const json::Object *kernel = layer.getObject("kernel");
  const json::Object &hls = objectAt(layer, "hls_types");
  auto stat = [&](llvm::StringRef key) {
    return output ? spreadText(*output, key) : std::string("float");
  };
  std::string types = stringAt(hls, "result");
  for (llvm::StringRef key : {"weight", "bias", "accum"})
    if (!stringAt(hls, key).empty())
      types +=
          (types.empty() ? "" : ", ") + key.str() + " " + stringAt(hls, key);
  std::string weights = "-";
  if (kernel)
    weights = spreadText(*kernel, "width") + " (" +
              number(numberAt(*kernel, "pruned")) + " of " +
              number(numberAt(*kernel, "elements")) + " pruned)";
  auto optionalNumber = [&](llvm::StringRef key) {
    std::optional<double> value = layer.getNumber(key);
    return value ? number(*value) : std::string("-");
  };
  return {stringAt(layer, "name"),
          stringAt(layer, "op"),
          shapeText(arrayAt(layer, "shape")),
          stat("width"),
          stat("k"),
          stat("i"),
          stat("f"),
          output ? number(numberAt(*output, "dead")) : std::string("-"),
          weights,
          types.empty() ? "-" : types,
          optionalNumber("bops"),
          optionalNumber("ebops"),
          layer.getBoolean("quantizer") ? optionalNumber("overflows")
                                        : std::string("-")};
}

const char *const kLayerColumns[] = {
    "layer", "op",    "shape",    "width",         "k",
    "i",     "f",     "dead",     "weight widths", "HLS types",
    "BOPs",  "EBOPs", "overflows"};

/// The widest element of every quantizer output ("output") or kernel
/// ("kernel"): each has its own colour scale.
/// The layer table's rows: every op of the graph, not its input and output.
template <typename Emit>
void forEachLayerRow(const json::Array &layers, Emit emit) {
  for (const json::Value &entry : layers) {
    const json::Object *layer = entry.getAsObject();
    if (!layer || stringAt(*layer, "op") == "input" ||
        stringAt(*layer, "op") == "output")
      continue;
    emit(layerRow(*layer));
  }
}

/// What the layer table's widths mean, on both pages.
constexpr const char *kWidthsNote =
    "Widths are k + i + f per element (min / median / max over the live "
    "elements; one number when they agree). A weight's width is the bits its "
    "quantized value needs (0: pruned).";

int widestElement(const json::Array &layers, llvm::StringRef part) {
  int widest = 1;
  for (const json::Value &value : layers)
    if (const json::Object *layer = value.getAsObject())
      if (const json::Object *stats = layer->getObject(part);
          stats && stats->getArray("widths"))
        widest = std::max<int>(
            widest,
            int(objectAt(*stats, "width").getInteger("max").value_or(0)));
  return widest;
}

} // namespace

void hgq::writeReportMarkdown(const json::Value &value, llvm::raw_ostream &os) {
  const json::Object &report = *value.getAsObject();
  const json::Object &calibration = objectAt(report, "calibration");
  os << "# hgq-compile report: " << stringAt(report, "model") << "\n\n";
  if (!stringAt(calibration, "path").empty())
    os << "Calibration: " << stringAt(calibration, "path") << " ("
       << number(numberAt(calibration, "samples")) << " samples)\n\n";
  os << "| total | value |\n| --- | ---: |\n";
  for (const SummaryItem &item : summaryItems(report))
    os << "| " << item.label << " | " << cell(item.value) << " |\n";
  if (std::string csim = stringAt(objectAt(report, "checks"), "csim");
      !csim.empty())
    os << "\nC simulation: " << csim << "\n";

  os << "\n## Layers\n\n" << kWidthsNote << "\n\n|";
  for (const char *column : kLayerColumns)
    os << " " << column << " |";
  os << "\n|";
  for (size_t c = 0; c < std::size(kLayerColumns); ++c)
    os << (c < 3 || c == 9 ? " --- |" : " ---: |");
  os << "\n";
  forEachLayerRow(arrayAt(report, "layers"),
                  [&](const std::vector<std::string> &columns) {
                    os << "|";
                    for (const std::string &column : columns)
                      os << " " << cell(column) << " |";
                    os << "\n";
                  });

  const json::Array &files = arrayAt(report, "files");
  if (!files.empty()) {
    os << "\n## Files\n\n";
    for (const json::Value &file : files)
      os << "- `" << file.getAsString().value_or("") << "`\n";
  }
  for (const json::Value &file : arrayAt(report, "not_written"))
    os << "\nNot written (the format cannot express this model, see the "
          "warning): `"
       << file.getAsString().value_or("") << "`\n";
  os << "\nThe per-element widths of every quantizer and kernel are in "
        "report.json and drawn in report.html.\n";
}

void hgq::writeReportHtml(const json::Value &value, llvm::raw_ostream &os) {
  const json::Object &report = *value.getAsObject();
  const json::Array &layers = arrayAt(report, "layers");
  const json::Object &calibration = objectAt(report, "calibration");
  std::string model = stringAt(report, "model");
  int widestOutput = widestElement(layers, "output");
  int widestKernel = widestElement(layers, "kernel");

  os << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
        "charset=\"utf-8\"><title>hgq-compile report: "
     << escape(model) << "</title>\n<style>\n"
     << "body{font-family:system-ui,sans-serif;margin:24px;color:#1d1d1f;"
        "background:#fff}\n"
        "h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 "
        "8px;border-bottom:1px solid #ddd;padding-bottom:4px}\n"
        ".sub{color:#555;margin-bottom:16px}\n"
        ".cards{display:flex;flex-wrap:wrap;gap:10px}\n"
        ".card{border:1px solid #ddd;border-radius:8px;padding:8px "
        "12px;min-width:130px;background:#fafafa}\n"
        ".card .v{font-size:20px;font-weight:600}.card "
        ".l{font-size:12px;color:#555}\n"
        ".bad{color:#b00020}.good{color:#0a7d32}\n"
        "table{border-collapse:collapse;font-size:13px}td,th{border:1px "
        "solid #ddd;padding:3px 7px;text-align:right;white-space:nowrap}\n"
        "td:nth-child(9),td:nth-child(10){white-space:normal}\n"
        "td:nth-child(-n+3),th:nth-child(-n+3),td:nth-child(10){text-align:"
        "left}\n"
        "th{background:#f3f3f3}\n"
        ".graph text{font-size:12px}.graph .op{fill:#555}.edge{stroke:#666;"
        "stroke-width:1.3}\n"
        ".heat{image-rendering:pixelated;border:1px solid "
        "#ccc;display:block;max-width:100%;height:auto}\n"
        ".maps{display:flex;flex-wrap:wrap;gap:22px}.map "
        "h3{font-size:14px;margin:0 0 4px}.caption,.stats{font-size:12px;"
        "color:#555}\n"
        ".legend text{font-size:11px}\n"
        ".row{display:flex;flex-wrap:wrap;gap:28px;align-items:flex-start}\n"
        ".row>div:first-child{flex:0 0 auto}.row>div:last-child{flex:1 1 "
        "480px;min-width:0}\n"
        "</style></head><body>\n";
  os << "<h1>hgq-compile report</h1><div class=\"sub\">" << escape(model);
  if (!stringAt(calibration, "path").empty())
    os << " &middot; calibration " << escape(stringAt(calibration, "path"))
       << " (" << number(numberAt(calibration, "samples")) << " samples)";
  os << "</div>\n<div class=\"cards\">";
  for (const SummaryItem &item : summaryItems(report)) {
    std::string style = item.value == "DIFFERENT" ? " bad"
                        : item.value == "equal"   ? " good"
                                                  : "";
    os << "<div class=\"card\"><div class=\"v" << style << "\">"
       << escape(item.value) << "</div><div class=\"l\">" << escape(item.label)
       << "</div></div>";
  }
  os << "</div>\n";
  if (std::string csim = stringAt(objectAt(report, "checks"), "csim");
      !csim.empty())
    os << "<p class=\"sub\">C simulation: " << escape(csim) << "</p>\n";

  os << "<h2>Layers</h2><p class=\"sub\">" << kWidthsNote
     << "</p>\n<table><tr>";
  for (const char *column : kLayerColumns)
    os << "<th>" << column << "</th>";
  os << "</tr>\n";
  forEachLayerRow(layers, [&](const std::vector<std::string> &columns) {
    os << "<tr>";
    for (const std::string &column : columns)
      os << "<td>" << escape(column) << "</td>";
    os << "</tr>\n";
  });
  os << "</table>\n";

  // The graph beside the heatmaps, in the same top-to-bottom order.
  os << "<div class=\"row\"><div><h2>Graph</h2>\n"
     << graphSvg(layers)
     << "</div>\n<div><h2 id=\"widths\">Per-element widths</h2><p "
        "class=\"sub\">Every quantizer's output and every kernel, one pixel "
        "per element.</p>\n"
     << "<div class=\"caption\">activations</div>" << legendSvg(widestOutput)
     << "<div class=\"caption\">weights</div>" << legendSvg(widestKernel)
     << "\n<div class=\"maps\">\n";
  for (const json::Value &entry : layers) {
    const json::Object *layer = entry.getAsObject();
    if (!layer)
      continue;
    struct Part {
      const char *key, *what;
      bool activation;
    };
    for (Part part :
         {Part{"output", "output", true}, Part{"kernel", "kernel", false}}) {
      const json::Object *stats = layer->getObject(part.key);
      if (!stats || !stats->getArray("widths"))
        continue;
      std::vector<int64_t> widths = integers(arrayAt(*stats, "widths"));
      std::vector<int64_t> shape =
          integers(part.activation ? arrayAt(*layer, "shape")
                                   : arrayAt(*stats, "shape"));
      os << "<div class=\"map\"><h3>" << escape(stringAt(*layer, "name"))
         << " &middot; " << part.what << " "
         << escape(shapeText(part.activation ? arrayAt(*layer, "shape")
                                             : arrayAt(*stats, "shape")))
         << "</h3><div class=\"stats\">widths "
         << escape(spreadText(*stats, "width")) << ", "
         << number(numberAt(*stats, "dead")) << " of "
         << number(numberAt(*stats, "elements"))
         << (part.activation ? " dead" : " pruned") << ", "
         << number(numberAt(*stats, "total_bits")) << " bits</div>"
         << heatmapHtml(widths, shape, part.activation,
                        part.activation ? widestOutput : widestKernel)
         << "</div>\n";
    }
  }
  os << "</div></div></div>\n";

  const json::Array &files = arrayAt(report, "files");
  if (!files.empty()) {
    os << "<h2>Files</h2><ul>";
    for (const json::Value &file : files)
      os << "<li><code>" << escape(file.getAsString().value_or(""))
         << "</code></li>";
    os << "</ul>\n";
  }
  for (const json::Value &file : arrayAt(report, "not_written"))
    os << "<p class=\"bad\">Not written (the format cannot express this "
          "model, see the warning): <code>"
       << escape(file.getAsString().value_or("")) << "</code></p>\n";
  os << "</body></html>\n";
}
