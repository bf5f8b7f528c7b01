#pragma once
namespace mote::host {
// The mote release this build belongs to.
const char* version();
}  // namespace mote::host
