#!/bin/sh
# Regenerates src/Fragility/Models/Import/Onnx/Onnx.g.cs, the C# classes of ONNX's ModelProto, from onnx.proto.
# No ONNX C# package is served here, so Fragility parses ONNX files with Google.Protobuf and these generated classes.
# Needs Debian packages: python3-onnx (the .proto, Apache-2.0) and protobuf-compiler (protoc 3.21, matching the
# Google.Protobuf 3.21 runtime in Directory.Packages.props):  apt-get install python3-onnx protobuf-compiler
# Run from the repository root:  sh tools/onnx/generate_onnx_cs.sh
set -eu
src=/usr/lib/python3/dist-packages/onnx/onnx.proto
out=src/Fragility/Models/Import/Onnx
[ -f "$src" ] || { echo "missing $src: apt-get install python3-onnx" >&2; exit 1; }
command -v protoc >/dev/null || { echo "missing protoc: apt-get install protobuf-compiler" >&2; exit 1; }
# The copy differs from upstream in one added line: the C# namespace, so the classes live inside Fragility.
sed 's/^package onnx;$/package onnx;\noption csharp_namespace = "Fragility.Models.Import.Onnx";/' "$src" > "$out/onnx.proto"
# internal_access: the generated types are an implementation detail, not part of Fragility's public API.
protoc --proto_path="$out" --csharp_out="$out" --csharp_opt=internal_access,file_extension=.g.cs "$out/onnx.proto"
# Say where the file came from, above protoc's own header.
{ echo "// Generated from python3-onnx's onnx.proto (Apache-2.0) by $(protoc --version); regenerate with: sh tools/onnx/generate_onnx_cs.sh"; cat "$out/Onnx.g.cs"; } > "$out/Onnx.g.cs.tmp"
mv "$out/Onnx.g.cs.tmp" "$out/Onnx.g.cs"
echo "wrote $out/Onnx.g.cs ($(protoc --version))"
