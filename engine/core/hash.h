// SHA-256 of files and buffers (OpenSSL), for the run manifest's model and data hashes and for
// checking the default assets.
#pragma once

#include <cstddef>
#include <string>

namespace bcjr {

std::string sha256_hex(const void* data, size_t size);
// Streams the file; throws bcjr::Error naming it if it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace bcjr
