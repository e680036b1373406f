#include "store/h5_error.h"

#include <hdf5.h>

#include <array>

namespace mpitune::store {

void SilenceHdf5Errors() { (void)H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

namespace {

std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string MinorMessage(hid_t minor) {
  std::array<char, 256> buffer{};
  H5E_type_t type{};
  if (H5Eget_msg(minor, &type, buffer.data(), buffer.size()) <= 0) return {};
  return buffer.data();
}

}  // namespace

std::string TakeHdf5Error() {
  hid_t stack = H5Eget_current_stack();  // copies and clears the default stack
  if (stack < 0) return {};
  std::string reason;
  // Walking upward starts at the most specific entry: the place the error was found,
  // whose text ("file signature not found") says more than the API-level ones.
  (void)H5Ewalk2(
      stack, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* error, void* data) -> herr_t {
        if (n != 0) return 0;
        auto* out = static_cast<std::string*>(data);
        const std::string desc = error->desc != nullptr ? error->desc : "";
        const std::string minor = MinorMessage(error->min_num);
        if (desc.empty()) {
          *out = minor;
        } else if (minor.empty() || desc.find(minor) != std::string::npos) {
          *out = desc;
        } else {
          *out = desc + " (" + minor + ")";
        }
        return 0;
      },
      &reason);
  (void)H5Eclose_stack(stack);
  return OneLine(reason);
}

std::string H5Message(const std::string& file, const std::string& object, const std::string& what) {
  std::string message = file + ": ";
  if (!object.empty()) message += object + ": ";
  message += what;
  const std::string reason = TakeHdf5Error();
  if (!reason.empty()) message += ": " + reason;
  return message;
}

}  // namespace mpitune::store
