// mote host IR — field ids of the .tflite schema tables the reader and writer use.
//
// A field id is the 0-based position of the field in its table's declaration (a union field takes
// two ids: its type byte first, then the table). Only the ids are recorded here; what each field
// means is described where it is read (tflite_reader.cc) and written (tflite_writer.cc).
#pragma once

namespace mote::ir::schema {

constexpr unsigned kVersion = 3;             // Model.version this writer produces
constexpr const char* kFileIdentifier = "TFL3";

namespace model { enum : int { kVersion = 0, kOperatorCodes = 1, kSubgraphs = 2, kDescription = 3, kBuffers = 4, kMetadataBuffer = 5, kMetadata = 6, kSignatureDefs = 7 }; }
namespace opcode { enum : int { kDeprecatedBuiltinCode = 0, kCustomCode = 1, kVersion = 2, kBuiltinCode = 3 }; }
namespace subgraph { enum : int { kTensors = 0, kInputs = 1, kOutputs = 2, kOperators = 3, kName = 4 }; }
namespace tensor {
enum : int {
  kShape = 0, kType = 1, kBuffer = 2, kName = 3, kQuantization = 4, kIsVariable = 5, kSparsity = 6, kShapeSignature = 7,
  kHasRank = 8, kVariantTensors = 9, kExternalBuffer = 10
};
}
namespace quant { enum : int { kMin = 0, kMax = 1, kScale = 2, kZeroPoint = 3, kDetailsType = 4, kDetails = 5, kQuantizedDimension = 6 }; }
namespace op {
enum : int {
  kOpcodeIndex = 0, kInputs = 1, kOutputs = 2, kBuiltinOptionsType = 3, kBuiltinOptions = 4, kCustomOptions = 5,
  kCustomOptionsFormat = 6, kMutatingVariableInputs = 7, kIntermediates = 8, kLargeCustomOptionsOffset = 9,
  kLargeCustomOptionsSize = 10, kBuiltinOptions2Type = 11, kBuiltinOptions2 = 12
};
}
namespace buffer { enum : int { kData = 0, kOffset = 1, kSize = 2 }; }
namespace metadata { enum : int { kName = 0, kBuffer = 1 }; }
namespace signature { enum : int { kInputs = 0, kOutputs = 1, kSignatureKey = 2, kSubgraphIndex = 4 }; }
namespace tensor_map { enum : int { kName = 0, kTensorIndex = 1 }; }

// deprecated_builtin_code holds codes up to 127 (PLACEHOLDER_FOR_GREATER_OP_CODES); larger codes
// live only in builtin_code.
constexpr int kMaxDeprecatedBuiltinCode = 127;

}  // namespace mote::ir::schema
