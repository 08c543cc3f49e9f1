#pragma once
// Hexadecimal text of bytes: lower case, two digits per byte (digests, MACs, random ids).
#include <cstddef>
#include <string>
#include <string_view>

namespace fa::common {

std::string toHex(const unsigned char* data, std::size_t size);
std::string toHex(std::string_view bytes);
// The bytes of lower-case hex text (the form toHex writes); false for odd length or any other
// character, so a stored digest that was altered is not silently accepted.
bool fromHex(std::string_view hex, std::string& bytes);

}  // namespace fa::common
