module attributes {hgq.io_type = "io_serial"} {
}
