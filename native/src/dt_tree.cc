// The kernel's live device tree (/sys/firmware/devicetree/base, or a copy of one) read in
// one call: a directory per node, a file per property. In JavaScript each of a few hundred
// property files is an open, fstat, read and close through Node's fs layer, which inside the
// emulated host (TCG) was a second of a `platpass list`; here it is four system calls a file.
// Entries come sorted by name, as src/host/live/sysfs.ts's entries() sorts them; what the
// entries mean (the kernel's `name` pseudo-property) is decided in src/host/live/livedt.ts.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "addon.h"
#include "sys_error.h"

namespace platpass {

namespace {

// Deeper than any real tree; a bound keeps a looping or hostile copy from exhausting the stack.
constexpr int kMaxDepth = 64;
// A property larger than this is no property the kernel made.
constexpr size_t kMaxProperty = 16 << 20;

struct Entry {
  std::string name;
  bool directory;
};

bool IsMissing(int err) { return err == ENOENT || err == ENOTDIR; }

std::vector<Entry> SortedEntries(Napi::Env env, const std::string& dir) {
  std::vector<Entry> entries;
  DIR* d = opendir(dir.c_str());
  if (!d) {
    if (IsMissing(errno)) return entries;
    ThrowSys(env, "opendir", errno, dir);
  }
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    unsigned char type = e->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st;
      if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
    }
    if (type == DT_DIR || type == DT_REG) entries.push_back({name, type == DT_DIR});
  }
  closedir(d);
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return entries;
}

// A property's bytes; a file gone meanwhile reads as empty, as Sysfs.readBytes's undefined does.
Napi::Value PropertyBytes(Napi::Env env, const std::string& path) {
  std::vector<uint8_t> bytes;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (IsMissing(errno)) return Napi::Buffer<uint8_t>::Copy(env, bytes.data(), 0);
    ThrowSys(env, "open", errno, path);
  }
  uint8_t chunk[4096];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      ThrowSys(env, "read", err, path);
    }
    if (n == 0) break;
    if (bytes.size() + n > kMaxProperty) {
      close(fd);
      ThrowRange(env, "property larger than 16 MiB: " + path);
    }
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  close(fd);
  return Napi::Buffer<uint8_t>::Copy(env, bytes.data(), bytes.size());
}

Napi::Object ReadNode(Napi::Env env, const std::string& dir, int depth) {
  if (depth > kMaxDepth) ThrowRange(env, "device tree deeper than 64 nodes: " + dir);
  Napi::Array props = Napi::Array::New(env);
  Napi::Array children = Napi::Array::New(env);
  for (const Entry& e : SortedEntries(env, dir)) {
    std::string path = dir + "/" + e.name;
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(0u, Napi::String::New(env, e.name));
    if (e.directory) {
      pair.Set(1u, ReadNode(env, path, depth + 1));
      children.Set(children.Length(), pair);
    } else {
      pair.Set(1u, PropertyBytes(env, path));
      props.Set(props.Length(), pair);
    }
  }
  Napi::Object node = Napi::Object::New(env);
  node.Set("props", props);
  node.Set("children", children);
  return node;
}

}  // namespace

Napi::Value VfioAddon::ReadTree(const Napi::CallbackInfo& info) {
  return ReadNode(info.Env(), StringArg(info, 0, "path"), 0);
}

}  // namespace platpass
