#include "host/version.h"

namespace mote::host {
const char* version() { return "0.1.0"; }
}  // namespace mote::host
