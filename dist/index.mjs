import { createRequire as __imgsmithCreateRequire } from 'node:module';
const require = __imgsmithCreateRequire(import.meta.url);
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __require = /* @__PURE__ */ ((x) => typeof require !== "undefined" ? require : typeof Proxy !== "undefined" ? new Proxy(x, {
  get: (a2, b) => (typeof require !== "undefined" ? require : a2)[b]
}) : x)(function(x) {
  if (typeof require !== "undefined") return require.apply(this, arguments);
  throw Error('Dynamic require of "' + x + '" is not supported');
});
var __commonJS = (cb, mod) => function __require2() {
  try {
    return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
  } catch (e) {
    throw mod = 0, e;
  }
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));

// node_modules/isexe/windows.js
var require_windows = __commonJS({
  "node_modules/isexe/windows.js"(exports, module) {
    module.exports = isexe;
    isexe.sync = sync;
    var fs3 = __require("fs");
    function checkPathExt(path35, options) {
      var pathext = options.pathExt !== void 0 ? options.pathExt : process.env.PATHEXT;
      if (!pathext) {
        return true;
      }
      pathext = pathext.split(";");
      if (pathext.indexOf("") !== -1) {
        return true;
      }
      for (var i2 = 0; i2 < pathext.length; i2++) {
        var p = pathext[i2].toLowerCase();
        if (p && path35.substr(-p.length).toLowerCase() === p) {
          return true;
        }
      }
      return false;
    }
    function checkStat(stat, path35, options) {
      if (!stat.isSymbolicLink() && !stat.isFile()) {
        return false;
      }
      return checkPathExt(path35, options);
    }
    function isexe(path35, options, cb) {
      fs3.stat(path35, function(er, stat) {
        cb(er, er ? false : checkStat(stat, path35, options));
      });
    }
    function sync(path35, options) {
      return checkStat(fs3.statSync(path35), path35, options);
    }
  }
});

// node_modules/isexe/mode.js
var require_mode = __commonJS({
  "node_modules/isexe/mode.js"(exports, module) {
    module.exports = isexe;
    isexe.sync = sync;
    var fs3 = __require("fs");
    function isexe(path35, options, cb) {
      fs3.stat(path35, function(er, stat) {
        cb(er, er ? false : checkStat(stat, options));
      });
    }
    function sync(path35, options) {
      return checkStat(fs3.statSync(path35), options);
    }
    function checkStat(stat, options) {
      return stat.isFile() && checkMode(stat, options);
    }
    function checkMode(stat, options) {
      var mod = stat.mode;
      var uid = stat.uid;
      var gid = stat.gid;
      var myUid = options.uid !== void 0 ? options.uid : process.getuid && process.getuid();
      var myGid = options.gid !== void 0 ? options.gid : process.getgid && process.getgid();
      var u2 = parseInt("100", 8);
      var g = parseInt("010", 8);
      var o2 = parseInt("001", 8);
      var ug = u2 | g;
      var ret = mod & o2 || mod & g && gid === myGid || mod & u2 && uid === myUid || mod & ug && myUid === 0;
      return ret;
    }
  }
});

// node_modules/isexe/index.js
var require_isexe = __commonJS({
  "node_modules/isexe/index.js"(exports, module) {
    var fs3 = __require("fs");
    var core;
    if (process.platform === "win32" || global.TESTING_WINDOWS) {
      core = require_windows();
    } else {
      core = require_mode();
    }
    module.exports = isexe;
    isexe.sync = sync;
    function isexe(path35, options, cb) {
      if (typeof options === "function") {
        cb = options;
        options = {};
      }
      if (!cb) {
        if (typeof Promise !== "function") {
          throw new TypeError("callback not provided");
        }
        return new Promise(function(resolve2, reject) {
          isexe(path35, options || {}, function(er, is) {
            if (er) {
              reject(er);
            } else {
              resolve2(is);
            }
          });
        });
      }
      core(path35, options || {}, function(er, is) {
        if (er) {
          if (er.code === "EACCES" || options && options.ignoreErrors) {
            er = null;
            is = false;
          }
        }
        cb(er, is);
      });
    }
    function sync(path35, options) {
      try {
        return core.sync(path35, options || {});
      } catch (er) {
        if (options && options.ignoreErrors || er.code === "EACCES") {
          return false;
        } else {
          throw er;
        }
      }
    }
  }
});

// node_modules/which/which.js
var require_which = __commonJS({
  "node_modules/which/which.js"(exports, module) {
    var isWindows = process.platform === "win32" || process.env.OSTYPE === "cygwin" || process.env.OSTYPE === "msys";
    var path35 = __require("path");
    var COLON = isWindows ? ";" : ":";
    var isexe = require_isexe();
    var getNotFoundError = (cmd) => Object.assign(new Error(`not found: ${cmd}`), { code: "ENOENT" });
    var getPathInfo = (cmd, opt) => {
      const colon = opt.colon || COLON;
      const pathEnv = cmd.match(/\//) || isWindows && cmd.match(/\\/) ? [""] : [
        // windows always checks the cwd first
        ...isWindows ? [process.cwd()] : [],
        ...(opt.path || process.env.PATH || /* istanbul ignore next: very unusual */
        "").split(colon)
      ];
      const pathExtExe = isWindows ? opt.pathExt || process.env.PATHEXT || ".EXE;.CMD;.BAT;.COM" : "";
      const pathExt = isWindows ? pathExtExe.split(colon) : [""];
      if (isWindows) {
        if (cmd.indexOf(".") !== -1 && pathExt[0] !== "")
          pathExt.unshift("");
      }
      return {
        pathEnv,
        pathExt,
        pathExtExe
      };
    };
    var which2 = (cmd, opt, cb) => {
      if (typeof opt === "function") {
        cb = opt;
        opt = {};
      }
      if (!opt)
        opt = {};
      const { pathEnv, pathExt, pathExtExe } = getPathInfo(cmd, opt);
      const found = [];
      const step = (i2) => new Promise((resolve2, reject) => {
        if (i2 === pathEnv.length)
          return opt.all && found.length ? resolve2(found) : reject(getNotFoundError(cmd));
        const ppRaw = pathEnv[i2];
        const pathPart = /^".*"$/.test(ppRaw) ? ppRaw.slice(1, -1) : ppRaw;
        const pCmd = path35.join(pathPart, cmd);
        const p = !pathPart && /^\.[\\\/]/.test(cmd) ? cmd.slice(0, 2) + pCmd : pCmd;
        resolve2(subStep(p, i2, 0));
      });
      const subStep = (p, i2, ii) => new Promise((resolve2, reject) => {
        if (ii === pathExt.length)
          return resolve2(step(i2 + 1));
        const ext = pathExt[ii];
        isexe(p + ext, { pathExt: pathExtExe }, (er, is) => {
          if (!er && is) {
            if (opt.all)
              found.push(p + ext);
            else
              return resolve2(p + ext);
          }
          return resolve2(subStep(p, i2, ii + 1));
        });
      });
      return cb ? step(0).then((res) => cb(null, res), cb) : step(0);
    };
    var whichSync = (cmd, opt) => {
      opt = opt || {};
      const { pathEnv, pathExt, pathExtExe } = getPathInfo(cmd, opt);
      const found = [];
      for (let i2 = 0; i2 < pathEnv.length; i2++) {
        const ppRaw = pathEnv[i2];
        const pathPart = /^".*"$/.test(ppRaw) ? ppRaw.slice(1, -1) : ppRaw;
        const pCmd = path35.join(pathPart, cmd);
        const p = !pathPart && /^\.[\\\/]/.test(cmd) ? cmd.slice(0, 2) + pCmd : pCmd;
        for (let j = 0; j < pathExt.length; j++) {
          const cur = p + pathExt[j];
          try {
            const is = isexe.sync(cur, { pathExt: pathExtExe });
            if (is) {
              if (opt.all)
                found.push(cur);
              else
                return cur;
            }
          } catch (ex) {
          }
        }
      }
      if (opt.all && found.length)
        return found;
      if (opt.nothrow)
        return null;
      throw getNotFoundError(cmd);
    };
    module.exports = which2;
    which2.sync = whichSync;
  }
});

// node_modules/path-key/index.js
var require_path_key = __commonJS({
  "node_modules/path-key/index.js"(exports, module) {
    "use strict";
    var pathKey2 = (options = {}) => {
      const environment = options.env || process.env;
      const platform2 = options.platform || process.platform;
      if (platform2 !== "win32") {
        return "PATH";
      }
      return Object.keys(environment).reverse().find((key) => key.toUpperCase() === "PATH") || "Path";
    };
    module.exports = pathKey2;
    module.exports.default = pathKey2;
  }
});

// node_modules/cross-spawn/lib/util/resolveCommand.js
var require_resolveCommand = __commonJS({
  "node_modules/cross-spawn/lib/util/resolveCommand.js"(exports, module) {
    "use strict";
    var path35 = __require("path");
    var which2 = require_which();
    var getPathKey = require_path_key();
    function resolveCommandAttempt(parsed, withoutPathExt) {
      const env = parsed.options.env || process.env;
      const cwd = process.cwd();
      const hasCustomCwd = parsed.options.cwd != null;
      const shouldSwitchCwd = hasCustomCwd && process.chdir !== void 0 && !process.chdir.disabled;
      if (shouldSwitchCwd) {
        try {
          process.chdir(parsed.options.cwd);
        } catch (err) {
        }
      }
      let resolved;
      try {
        resolved = which2.sync(parsed.command, {
          path: env[getPathKey({ env })],
          pathExt: withoutPathExt ? path35.delimiter : void 0
        });
      } catch (e) {
      } finally {
        if (shouldSwitchCwd) {
          process.chdir(cwd);
        }
      }
      if (resolved) {
        resolved = path35.resolve(hasCustomCwd ? parsed.options.cwd : "", resolved);
      }
      return resolved;
    }
    function resolveCommand(parsed) {
      return resolveCommandAttempt(parsed) || resolveCommandAttempt(parsed, true);
    }
    module.exports = resolveCommand;
  }
});

// node_modules/cross-spawn/lib/util/escape.js
var require_escape = __commonJS({
  "node_modules/cross-spawn/lib/util/escape.js"(exports, module) {
    "use strict";
    var metaCharsRegExp = /([()\][%!^"`<>&|;, *?])/g;
    function escapeCommand(arg) {
      arg = arg.replace(metaCharsRegExp, "^$1");
      return arg;
    }
    function escapeArgument(arg, doubleEscapeMetaChars) {
      arg = `${arg}`;
      arg = arg.replace(/(?=(\\+?)?)\1"/g, '$1$1\\"');
      arg = arg.replace(/(?=(\\+?)?)\1$/, "$1$1");
      arg = `"${arg}"`;
      arg = arg.replace(metaCharsRegExp, "^$1");
      if (doubleEscapeMetaChars) {
        arg = arg.replace(metaCharsRegExp, "^$1");
      }
      return arg;
    }
    module.exports.command = escapeCommand;
    module.exports.argument = escapeArgument;
  }
});

// node_modules/shebang-regex/index.js
var require_shebang_regex = __commonJS({
  "node_modules/shebang-regex/index.js"(exports, module) {
    "use strict";
    module.exports = /^#!(.*)/;
  }
});

// node_modules/shebang-command/index.js
var require_shebang_command = __commonJS({
  "node_modules/shebang-command/index.js"(exports, module) {
    "use strict";
    var shebangRegex = require_shebang_regex();
    module.exports = (string = "") => {
      const match = string.match(shebangRegex);
      if (!match) {
        return null;
      }
      const [path35, argument] = match[0].replace(/#! ?/, "").split(" ");
      const binary = path35.split("/").pop();
      if (binary === "env") {
        return argument;
      }
      return argument ? `${binary} ${argument}` : binary;
    };
  }
});

// node_modules/cross-spawn/lib/util/readShebang.js
var require_readShebang = __commonJS({
  "node_modules/cross-spawn/lib/util/readShebang.js"(exports, module) {
    "use strict";
    var fs3 = __require("fs");
    var shebangCommand = require_shebang_command();
    function readShebang(command) {
      const size = 150;
      const buffer = Buffer.alloc(size);
      let fd;
      try {
        fd = fs3.openSync(command, "r");
        fs3.readSync(fd, buffer, 0, size, 0);
        fs3.closeSync(fd);
      } catch (e) {
      }
      return shebangCommand(buffer.toString());
    }
    module.exports = readShebang;
  }
});

// node_modules/cross-spawn/lib/parse.js
var require_parse = __commonJS({
  "node_modules/cross-spawn/lib/parse.js"(exports, module) {
    "use strict";
    var path35 = __require("path");
    var resolveCommand = require_resolveCommand();
    var escape2 = require_escape();
    var readShebang = require_readShebang();
    var isWin = process.platform === "win32";
    var isExecutableRegExp = /\.(?:com|exe)$/i;
    var isCmdShimRegExp = /node_modules[\\/].bin[\\/][^\\/]+\.cmd$/i;
    function detectShebang(parsed) {
      parsed.file = resolveCommand(parsed);
      const shebang = parsed.file && readShebang(parsed.file);
      if (shebang) {
        parsed.args.unshift(parsed.file);
        parsed.command = shebang;
        return resolveCommand(parsed);
      }
      return parsed.file;
    }
    function parseNonShell(parsed) {
      if (!isWin) {
        return parsed;
      }
      const commandFile = detectShebang(parsed);
      const needsShell = !isExecutableRegExp.test(commandFile);
      if (parsed.options.forceShell || needsShell) {
        const needsDoubleEscapeMetaChars = isCmdShimRegExp.test(commandFile);
        parsed.command = path35.normalize(parsed.command);
        parsed.command = escape2.command(parsed.command);
        parsed.args = parsed.args.map((arg) => escape2.argument(arg, needsDoubleEscapeMetaChars));
        const shellCommand = [parsed.command].concat(parsed.args).join(" ");
        parsed.args = ["/d", "/s", "/c", `"${shellCommand}"`];
        parsed.command = process.env.comspec || "cmd.exe";
        parsed.options.windowsVerbatimArguments = true;
      }
      return parsed;
    }
    function parse(command, args, options) {
      if (args && !Array.isArray(args)) {
        options = args;
        args = null;
      }
      args = args ? args.slice(0) : [];
      options = Object.assign({}, options);
      const parsed = {
        command,
        args,
        options,
        file: void 0,
        original: {
          command,
          args
        }
      };
      return options.shell ? parsed : parseNonShell(parsed);
    }
    module.exports = parse;
  }
});

// node_modules/cross-spawn/lib/enoent.js
var require_enoent = __commonJS({
  "node_modules/cross-spawn/lib/enoent.js"(exports, module) {
    "use strict";
    var isWin = process.platform === "win32";
    function notFoundError(original, syscall) {
      return Object.assign(new Error(`${syscall} ${original.command} ENOENT`), {
        code: "ENOENT",
        errno: "ENOENT",
        syscall: `${syscall} ${original.command}`,
        path: original.command,
        spawnargs: original.args
      });
    }
    function hookChildProcess(cp, parsed) {
      if (!isWin) {
        return;
      }
      const originalEmit = cp.emit;
      cp.emit = function(name, arg1) {
        if (name === "exit") {
          const err = verifyENOENT(arg1, parsed);
          if (err) {
            return originalEmit.call(cp, "error", err);
          }
        }
        return originalEmit.apply(cp, arguments);
      };
    }
    function verifyENOENT(status, parsed) {
      if (isWin && status === 1 && !parsed.file) {
        return notFoundError(parsed.original, "spawn");
      }
      return null;
    }
    function verifyENOENTSync(status, parsed) {
      if (isWin && status === 1 && !parsed.file) {
        return notFoundError(parsed.original, "spawnSync");
      }
      return null;
    }
    module.exports = {
      hookChildProcess,
      verifyENOENT,
      verifyENOENTSync,
      notFoundError
    };
  }
});

// node_modules/cross-spawn/index.js
var require_cross_spawn = __commonJS({
  "node_modules/cross-spawn/index.js"(exports, module) {
    "use strict";
    var cp = __require("child_process");
    var parse = require_parse();
    var enoent = require_enoent();
    function spawn3(command, args, options) {
      const parsed = parse(command, args, options);
      const spawned = cp.spawn(parsed.command, parsed.args, parsed.options);
      enoent.hookChildProcess(spawned, parsed);
      return spawned;
    }
    function spawnSync3(command, args, options) {
      const parsed = parse(command, args, options);
      const result = cp.spawnSync(parsed.command, parsed.args, parsed.options);
      result.error = result.error || enoent.verifyENOENTSync(result.status, parsed);
      return result;
    }
    module.exports = spawn3;
    module.exports.spawn = spawn3;
    module.exports.sync = spawnSync3;
    module.exports._parse = parse;
    module.exports._enoent = enoent;
  }
});

// node_modules/ajv/dist/compile/codegen/code.js
var require_code = __commonJS({
  "node_modules/ajv/dist/compile/codegen/code.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.regexpCode = exports.getEsmExportName = exports.getProperty = exports.safeStringify = exports.stringify = exports.strConcat = exports.addCodeArg = exports.str = exports._ = exports.nil = exports._Code = exports.Name = exports.IDENTIFIER = exports._CodeOrName = void 0;
    var _CodeOrName = class {
    };
    exports._CodeOrName = _CodeOrName;
    exports.IDENTIFIER = /^[a-z$_][a-z$_0-9]*$/i;
    var Name = class extends _CodeOrName {
      constructor(s) {
        super();
        if (!exports.IDENTIFIER.test(s))
          throw new Error("CodeGen: name must be a valid identifier");
        this.str = s;
      }
      toString() {
        return this.str;
      }
      emptyStr() {
        return false;
      }
      get names() {
        return { [this.str]: 1 };
      }
    };
    exports.Name = Name;
    var _Code = class extends _CodeOrName {
      constructor(code) {
        super();
        this._items = typeof code === "string" ? [code] : code;
      }
      toString() {
        return this.str;
      }
      emptyStr() {
        if (this._items.length > 1)
          return false;
        const item = this._items[0];
        return item === "" || item === '""';
      }
      get str() {
        var _a;
        return (_a = this._str) !== null && _a !== void 0 ? _a : this._str = this._items.reduce((s, c3) => `${s}${c3}`, "");
      }
      get names() {
        var _a;
        return (_a = this._names) !== null && _a !== void 0 ? _a : this._names = this._items.reduce((names, c3) => {
          if (c3 instanceof Name)
            names[c3.str] = (names[c3.str] || 0) + 1;
          return names;
        }, {});
      }
    };
    exports._Code = _Code;
    exports.nil = new _Code("");
    function _(strs, ...args) {
      const code = [strs[0]];
      let i2 = 0;
      while (i2 < args.length) {
        addCodeArg(code, args[i2]);
        code.push(strs[++i2]);
      }
      return new _Code(code);
    }
    exports._ = _;
    var plus = new _Code("+");
    function str2(strs, ...args) {
      const expr = [safeStringify(strs[0])];
      let i2 = 0;
      while (i2 < args.length) {
        expr.push(plus);
        addCodeArg(expr, args[i2]);
        expr.push(plus, safeStringify(strs[++i2]));
      }
      optimize(expr);
      return new _Code(expr);
    }
    exports.str = str2;
    function addCodeArg(code, arg) {
      if (arg instanceof _Code)
        code.push(...arg._items);
      else if (arg instanceof Name)
        code.push(arg);
      else
        code.push(interpolate(arg));
    }
    exports.addCodeArg = addCodeArg;
    function optimize(expr) {
      let i2 = 1;
      while (i2 < expr.length - 1) {
        if (expr[i2] === plus) {
          const res = mergeExprItems(expr[i2 - 1], expr[i2 + 1]);
          if (res !== void 0) {
            expr.splice(i2 - 1, 3, res);
            continue;
          }
          expr[i2++] = "+";
        }
        i2++;
      }
    }
    function mergeExprItems(a2, b) {
      if (b === '""')
        return a2;
      if (a2 === '""')
        return b;
      if (typeof a2 == "string") {
        if (b instanceof Name || a2[a2.length - 1] !== '"')
          return;
        if (typeof b != "string")
          return `${a2.slice(0, -1)}${b}"`;
        if (b[0] === '"')
          return a2.slice(0, -1) + b.slice(1);
        return;
      }
      if (typeof b == "string" && b[0] === '"' && !(a2 instanceof Name))
        return `"${a2}${b.slice(1)}`;
      return;
    }
    function strConcat(c1, c22) {
      return c22.emptyStr() ? c1 : c1.emptyStr() ? c22 : str2`${c1}${c22}`;
    }
    exports.strConcat = strConcat;
    function interpolate(x) {
      return typeof x == "number" || typeof x == "boolean" || x === null ? x : safeStringify(Array.isArray(x) ? x.join(",") : x);
    }
    function stringify(x) {
      return new _Code(safeStringify(x));
    }
    exports.stringify = stringify;
    function safeStringify(x) {
      return JSON.stringify(x).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
    }
    exports.safeStringify = safeStringify;
    function getProperty(key) {
      return typeof key == "string" && exports.IDENTIFIER.test(key) ? new _Code(`.${key}`) : _`[${key}]`;
    }
    exports.getProperty = getProperty;
    function getEsmExportName(key) {
      if (typeof key == "string" && exports.IDENTIFIER.test(key)) {
        return new _Code(`${key}`);
      }
      throw new Error(`CodeGen: invalid export name: ${key}, use explicit $id name mapping`);
    }
    exports.getEsmExportName = getEsmExportName;
    function regexpCode(rx) {
      return new _Code(rx.toString());
    }
    exports.regexpCode = regexpCode;
  }
});

// node_modules/ajv/dist/compile/codegen/scope.js
var require_scope = __commonJS({
  "node_modules/ajv/dist/compile/codegen/scope.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.ValueScope = exports.ValueScopeName = exports.Scope = exports.varKinds = exports.UsedValueState = void 0;
    var code_1 = require_code();
    var ValueError = class extends Error {
      constructor(name) {
        super(`CodeGen: "code" for ${name} not defined`);
        this.value = name.value;
      }
    };
    var UsedValueState;
    (function(UsedValueState2) {
      UsedValueState2[UsedValueState2["Started"] = 0] = "Started";
      UsedValueState2[UsedValueState2["Completed"] = 1] = "Completed";
    })(UsedValueState || (exports.UsedValueState = UsedValueState = {}));
    exports.varKinds = {
      const: new code_1.Name("const"),
      let: new code_1.Name("let"),
      var: new code_1.Name("var")
    };
    var Scope = class {
      constructor({ prefixes, parent } = {}) {
        this._names = {};
        this._prefixes = prefixes;
        this._parent = parent;
      }
      toName(nameOrPrefix) {
        return nameOrPrefix instanceof code_1.Name ? nameOrPrefix : this.name(nameOrPrefix);
      }
      name(prefix) {
        return new code_1.Name(this._newName(prefix));
      }
      _newName(prefix) {
        const ng = this._names[prefix] || this._nameGroup(prefix);
        return `${prefix}${ng.index++}`;
      }
      _nameGroup(prefix) {
        var _a, _b;
        if (((_b = (_a = this._parent) === null || _a === void 0 ? void 0 : _a._prefixes) === null || _b === void 0 ? void 0 : _b.has(prefix)) || this._prefixes && !this._prefixes.has(prefix)) {
          throw new Error(`CodeGen: prefix "${prefix}" is not allowed in this scope`);
        }
        return this._names[prefix] = { prefix, index: 0 };
      }
    };
    exports.Scope = Scope;
    var ValueScopeName = class extends code_1.Name {
      constructor(prefix, nameStr) {
        super(nameStr);
        this.prefix = prefix;
      }
      setValue(value, { property, itemIndex }) {
        this.value = value;
        this.scopePath = (0, code_1._)`.${new code_1.Name(property)}[${itemIndex}]`;
      }
    };
    exports.ValueScopeName = ValueScopeName;
    var line = (0, code_1._)`\n`;
    var ValueScope = class extends Scope {
      constructor(opts2) {
        super(opts2);
        this._values = {};
        this._scope = opts2.scope;
        this.opts = { ...opts2, _n: opts2.lines ? line : code_1.nil };
      }
      get() {
        return this._scope;
      }
      name(prefix) {
        return new ValueScopeName(prefix, this._newName(prefix));
      }
      value(nameOrPrefix, value) {
        var _a;
        if (value.ref === void 0)
          throw new Error("CodeGen: ref must be passed in value");
        const name = this.toName(nameOrPrefix);
        const { prefix } = name;
        const valueKey = (_a = value.key) !== null && _a !== void 0 ? _a : value.ref;
        let vs = this._values[prefix];
        if (vs) {
          const _name = vs.get(valueKey);
          if (_name)
            return _name;
        } else {
          vs = this._values[prefix] = /* @__PURE__ */ new Map();
        }
        vs.set(valueKey, name);
        const s = this._scope[prefix] || (this._scope[prefix] = []);
        const itemIndex = s.length;
        s[itemIndex] = value.ref;
        name.setValue(value, { property: prefix, itemIndex });
        return name;
      }
      getValue(prefix, keyOrRef) {
        const vs = this._values[prefix];
        if (!vs)
          return;
        return vs.get(keyOrRef);
      }
      scopeRefs(scopeName, values = this._values) {
        return this._reduceValues(values, (name) => {
          if (name.scopePath === void 0)
            throw new Error(`CodeGen: name "${name}" has no value`);
          return (0, code_1._)`${scopeName}${name.scopePath}`;
        });
      }
      scopeCode(values = this._values, usedValues, getCode) {
        return this._reduceValues(values, (name) => {
          if (name.value === void 0)
            throw new Error(`CodeGen: name "${name}" has no value`);
          return name.value.code;
        }, usedValues, getCode);
      }
      _reduceValues(values, valueCode, usedValues = {}, getCode) {
        let code = code_1.nil;
        for (const prefix in values) {
          const vs = values[prefix];
          if (!vs)
            continue;
          const nameSet = usedValues[prefix] = usedValues[prefix] || /* @__PURE__ */ new Map();
          vs.forEach((name) => {
            if (nameSet.has(name))
              return;
            nameSet.set(name, UsedValueState.Started);
            let c3 = valueCode(name);
            if (c3) {
              const def = this.opts.es5 ? exports.varKinds.var : exports.varKinds.const;
              code = (0, code_1._)`${code}${def} ${name} = ${c3};${this.opts._n}`;
            } else if (c3 = getCode === null || getCode === void 0 ? void 0 : getCode(name)) {
              code = (0, code_1._)`${code}${c3}${this.opts._n}`;
            } else {
              throw new ValueError(name);
            }
            nameSet.set(name, UsedValueState.Completed);
          });
        }
        return code;
      }
    };
    exports.ValueScope = ValueScope;
  }
});

// node_modules/ajv/dist/compile/codegen/index.js
var require_codegen = __commonJS({
  "node_modules/ajv/dist/compile/codegen/index.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.or = exports.and = exports.not = exports.CodeGen = exports.operators = exports.varKinds = exports.ValueScopeName = exports.ValueScope = exports.Scope = exports.Name = exports.regexpCode = exports.stringify = exports.getProperty = exports.nil = exports.strConcat = exports.str = exports._ = void 0;
    var code_1 = require_code();
    var scope_1 = require_scope();
    var code_2 = require_code();
    Object.defineProperty(exports, "_", { enumerable: true, get: function() {
      return code_2._;
    } });
    Object.defineProperty(exports, "str", { enumerable: true, get: function() {
      return code_2.str;
    } });
    Object.defineProperty(exports, "strConcat", { enumerable: true, get: function() {
      return code_2.strConcat;
    } });
    Object.defineProperty(exports, "nil", { enumerable: true, get: function() {
      return code_2.nil;
    } });
    Object.defineProperty(exports, "getProperty", { enumerable: true, get: function() {
      return code_2.getProperty;
    } });
    Object.defineProperty(exports, "stringify", { enumerable: true, get: function() {
      return code_2.stringify;
    } });
    Object.defineProperty(exports, "regexpCode", { enumerable: true, get: function() {
      return code_2.regexpCode;
    } });
    Object.defineProperty(exports, "Name", { enumerable: true, get: function() {
      return code_2.Name;
    } });
    var scope_2 = require_scope();
    Object.defineProperty(exports, "Scope", { enumerable: true, get: function() {
      return scope_2.Scope;
    } });
    Object.defineProperty(exports, "ValueScope", { enumerable: true, get: function() {
      return scope_2.ValueScope;
    } });
    Object.defineProperty(exports, "ValueScopeName", { enumerable: true, get: function() {
      return scope_2.ValueScopeName;
    } });
    Object.defineProperty(exports, "varKinds", { enumerable: true, get: function() {
      return scope_2.varKinds;
    } });
    exports.operators = {
      GT: new code_1._Code(">"),
      GTE: new code_1._Code(">="),
      LT: new code_1._Code("<"),
      LTE: new code_1._Code("<="),
      EQ: new code_1._Code("==="),
      NEQ: new code_1._Code("!=="),
      NOT: new code_1._Code("!"),
      OR: new code_1._Code("||"),
      AND: new code_1._Code("&&"),
      ADD: new code_1._Code("+")
    };
    var Node = class {
      optimizeNodes() {
        return this;
      }
      optimizeNames(_names, _constants) {
        return this;
      }
    };
    var Def = class extends Node {
      constructor(varKind, name, rhs) {
        super();
        this.varKind = varKind;
        this.name = name;
        this.rhs = rhs;
      }
      render({ es5, _n }) {
        const varKind = es5 ? scope_1.varKinds.var : this.varKind;
        const rhs = this.rhs === void 0 ? "" : ` = ${this.rhs}`;
        return `${varKind} ${this.name}${rhs};` + _n;
      }
      optimizeNames(names, constants4) {
        if (!names[this.name.str])
          return;
        if (this.rhs)
          this.rhs = optimizeExpr(this.rhs, names, constants4);
        return this;
      }
      get names() {
        return this.rhs instanceof code_1._CodeOrName ? this.rhs.names : {};
      }
    };
    var Assign = class extends Node {
      constructor(lhs, rhs, sideEffects) {
        super();
        this.lhs = lhs;
        this.rhs = rhs;
        this.sideEffects = sideEffects;
      }
      render({ _n }) {
        return `${this.lhs} = ${this.rhs};` + _n;
      }
      optimizeNames(names, constants4) {
        if (this.lhs instanceof code_1.Name && !names[this.lhs.str] && !this.sideEffects)
          return;
        this.rhs = optimizeExpr(this.rhs, names, constants4);
        return this;
      }
      get names() {
        const names = this.lhs instanceof code_1.Name ? {} : { ...this.lhs.names };
        return addExprNames(names, this.rhs);
      }
    };
    var AssignOp = class extends Assign {
      constructor(lhs, op, rhs, sideEffects) {
        super(lhs, rhs, sideEffects);
        this.op = op;
      }
      render({ _n }) {
        return `${this.lhs} ${this.op}= ${this.rhs};` + _n;
      }
    };
    var Label = class extends Node {
      constructor(label2) {
        super();
        this.label = label2;
        this.names = {};
      }
      render({ _n }) {
        return `${this.label}:` + _n;
      }
    };
    var Break = class extends Node {
      constructor(label2) {
        super();
        this.label = label2;
        this.names = {};
      }
      render({ _n }) {
        const label2 = this.label ? ` ${this.label}` : "";
        return `break${label2};` + _n;
      }
    };
    var Throw = class extends Node {
      constructor(error) {
        super();
        this.error = error;
      }
      render({ _n }) {
        return `throw ${this.error};` + _n;
      }
      get names() {
        return this.error.names;
      }
    };
    var AnyCode = class extends Node {
      constructor(code) {
        super();
        this.code = code;
      }
      render({ _n }) {
        return `${this.code};` + _n;
      }
      optimizeNodes() {
        return `${this.code}` ? this : void 0;
      }
      optimizeNames(names, constants4) {
        this.code = optimizeExpr(this.code, names, constants4);
        return this;
      }
      get names() {
        return this.code instanceof code_1._CodeOrName ? this.code.names : {};
      }
    };
    var ParentNode = class extends Node {
      constructor(nodes = []) {
        super();
        this.nodes = nodes;
      }
      render(opts2) {
        return this.nodes.reduce((code, n2) => code + n2.render(opts2), "");
      }
      optimizeNodes() {
        const { nodes } = this;
        let i2 = nodes.length;
        while (i2--) {
          const n2 = nodes[i2].optimizeNodes();
          if (Array.isArray(n2))
            nodes.splice(i2, 1, ...n2);
          else if (n2)
            nodes[i2] = n2;
          else
            nodes.splice(i2, 1);
        }
        return nodes.length > 0 ? this : void 0;
      }
      optimizeNames(names, constants4) {
        const { nodes } = this;
        let i2 = nodes.length;
        while (i2--) {
          const n2 = nodes[i2];
          if (n2.optimizeNames(names, constants4))
            continue;
          subtractNames(names, n2.names);
          nodes.splice(i2, 1);
        }
        return nodes.length > 0 ? this : void 0;
      }
      get names() {
        return this.nodes.reduce((names, n2) => addNames(names, n2.names), {});
      }
    };
    var BlockNode = class extends ParentNode {
      render(opts2) {
        return "{" + opts2._n + super.render(opts2) + "}" + opts2._n;
      }
    };
    var Root = class extends ParentNode {
    };
    var Else = class extends BlockNode {
    };
    Else.kind = "else";
    var If = class _If extends BlockNode {
      constructor(condition, nodes) {
        super(nodes);
        this.condition = condition;
      }
      render(opts2) {
        let code = `if(${this.condition})` + super.render(opts2);
        if (this.else)
          code += "else " + this.else.render(opts2);
        return code;
      }
      optimizeNodes() {
        super.optimizeNodes();
        const cond = this.condition;
        if (cond === true)
          return this.nodes;
        let e = this.else;
        if (e) {
          const ns = e.optimizeNodes();
          e = this.else = Array.isArray(ns) ? new Else(ns) : ns;
        }
        if (e) {
          if (cond === false)
            return e instanceof _If ? e : e.nodes;
          if (this.nodes.length)
            return this;
          return new _If(not(cond), e instanceof _If ? [e] : e.nodes);
        }
        if (cond === false || !this.nodes.length)
          return void 0;
        return this;
      }
      optimizeNames(names, constants4) {
        var _a;
        this.else = (_a = this.else) === null || _a === void 0 ? void 0 : _a.optimizeNames(names, constants4);
        if (!(super.optimizeNames(names, constants4) || this.else))
          return;
        this.condition = optimizeExpr(this.condition, names, constants4);
        return this;
      }
      get names() {
        const names = super.names;
        addExprNames(names, this.condition);
        if (this.else)
          addNames(names, this.else.names);
        return names;
      }
    };
    If.kind = "if";
    var For = class extends BlockNode {
    };
    For.kind = "for";
    var ForLoop = class extends For {
      constructor(iteration) {
        super();
        this.iteration = iteration;
      }
      render(opts2) {
        return `for(${this.iteration})` + super.render(opts2);
      }
      optimizeNames(names, constants4) {
        if (!super.optimizeNames(names, constants4))
          return;
        this.iteration = optimizeExpr(this.iteration, names, constants4);
        return this;
      }
      get names() {
        return addNames(super.names, this.iteration.names);
      }
    };
    var ForRange = class extends For {
      constructor(varKind, name, from, to) {
        super();
        this.varKind = varKind;
        this.name = name;
        this.from = from;
        this.to = to;
      }
      render(opts2) {
        const varKind = opts2.es5 ? scope_1.varKinds.var : this.varKind;
        const { name, from, to } = this;
        return `for(${varKind} ${name}=${from}; ${name}<${to}; ${name}++)` + super.render(opts2);
      }
      get names() {
        const names = addExprNames(super.names, this.from);
        return addExprNames(names, this.to);
      }
    };
    var ForIter = class extends For {
      constructor(loop, varKind, name, iterable) {
        super();
        this.loop = loop;
        this.varKind = varKind;
        this.name = name;
        this.iterable = iterable;
      }
      render(opts2) {
        return `for(${this.varKind} ${this.name} ${this.loop} ${this.iterable})` + super.render(opts2);
      }
      optimizeNames(names, constants4) {
        if (!super.optimizeNames(names, constants4))
          return;
        this.iterable = optimizeExpr(this.iterable, names, constants4);
        return this;
      }
      get names() {
        return addNames(super.names, this.iterable.names);
      }
    };
    var Func = class extends BlockNode {
      constructor(name, args, async) {
        super();
        this.name = name;
        this.args = args;
        this.async = async;
      }
      render(opts2) {
        const _async = this.async ? "async " : "";
        return `${_async}function ${this.name}(${this.args})` + super.render(opts2);
      }
    };
    Func.kind = "func";
    var Return = class extends ParentNode {
      render(opts2) {
        return "return " + super.render(opts2);
      }
    };
    Return.kind = "return";
    var Try = class extends BlockNode {
      render(opts2) {
        let code = "try" + super.render(opts2);
        if (this.catch)
          code += this.catch.render(opts2);
        if (this.finally)
          code += this.finally.render(opts2);
        return code;
      }
      optimizeNodes() {
        var _a, _b;
        super.optimizeNodes();
        (_a = this.catch) === null || _a === void 0 ? void 0 : _a.optimizeNodes();
        (_b = this.finally) === null || _b === void 0 ? void 0 : _b.optimizeNodes();
        return this;
      }
      optimizeNames(names, constants4) {
        var _a, _b;
        super.optimizeNames(names, constants4);
        (_a = this.catch) === null || _a === void 0 ? void 0 : _a.optimizeNames(names, constants4);
        (_b = this.finally) === null || _b === void 0 ? void 0 : _b.optimizeNames(names, constants4);
        return this;
      }
      get names() {
        const names = super.names;
        if (this.catch)
          addNames(names, this.catch.names);
        if (this.finally)
          addNames(names, this.finally.names);
        return names;
      }
    };
    var Catch = class extends BlockNode {
      constructor(error) {
        super();
        this.error = error;
      }
      render(opts2) {
        return `catch(${this.error})` + super.render(opts2);
      }
    };
    Catch.kind = "catch";
    var Finally = class extends BlockNode {
      render(opts2) {
        return "finally" + super.render(opts2);
      }
    };
    Finally.kind = "finally";
    var CodeGen = class {
      constructor(extScope, opts2 = {}) {
        this._values = {};
        this._blockStarts = [];
        this._constants = {};
        this.opts = { ...opts2, _n: opts2.lines ? "\n" : "" };
        this._extScope = extScope;
        this._scope = new scope_1.Scope({ parent: extScope });
        this._nodes = [new Root()];
      }
      toString() {
        return this._root.render(this.opts);
      }
      // returns unique name in the internal scope
      name(prefix) {
        return this._scope.name(prefix);
      }
      // reserves unique name in the external scope
      scopeName(prefix) {
        return this._extScope.name(prefix);
      }
      // reserves unique name in the external scope and assigns value to it
      scopeValue(prefixOrName, value) {
        const name = this._extScope.value(prefixOrName, value);
        const vs = this._values[name.prefix] || (this._values[name.prefix] = /* @__PURE__ */ new Set());
        vs.add(name);
        return name;
      }
      getScopeValue(prefix, keyOrRef) {
        return this._extScope.getValue(prefix, keyOrRef);
      }
      // return code that assigns values in the external scope to the names that are used internally
      // (same names that were returned by gen.scopeName or gen.scopeValue)
      scopeRefs(scopeName) {
        return this._extScope.scopeRefs(scopeName, this._values);
      }
      scopeCode() {
        return this._extScope.scopeCode(this._values);
      }
      _def(varKind, nameOrPrefix, rhs, constant) {
        const name = this._scope.toName(nameOrPrefix);
        if (rhs !== void 0 && constant)
          this._constants[name.str] = rhs;
        this._leafNode(new Def(varKind, name, rhs));
        return name;
      }
      // `const` declaration (`var` in es5 mode)
      const(nameOrPrefix, rhs, _constant) {
        return this._def(scope_1.varKinds.const, nameOrPrefix, rhs, _constant);
      }
      // `let` declaration with optional assignment (`var` in es5 mode)
      let(nameOrPrefix, rhs, _constant) {
        return this._def(scope_1.varKinds.let, nameOrPrefix, rhs, _constant);
      }
      // `var` declaration with optional assignment
      var(nameOrPrefix, rhs, _constant) {
        return this._def(scope_1.varKinds.var, nameOrPrefix, rhs, _constant);
      }
      // assignment code
      assign(lhs, rhs, sideEffects) {
        return this._leafNode(new Assign(lhs, rhs, sideEffects));
      }
      // `+=` code
      add(lhs, rhs) {
        return this._leafNode(new AssignOp(lhs, exports.operators.ADD, rhs));
      }
      // appends passed SafeExpr to code or executes Block
      code(c3) {
        if (typeof c3 == "function")
          c3();
        else if (c3 !== code_1.nil)
          this._leafNode(new AnyCode(c3));
        return this;
      }
      // returns code for object literal for the passed argument list of key-value pairs
      object(...keyValues) {
        const code = ["{"];
        for (const [key, value] of keyValues) {
          if (code.length > 1)
            code.push(",");
          code.push(key);
          if (key !== value || this.opts.es5) {
            code.push(":");
            (0, code_1.addCodeArg)(code, value);
          }
        }
        code.push("}");
        return new code_1._Code(code);
      }
      // `if` clause (or statement if `thenBody` and, optionally, `elseBody` are passed)
      if(condition, thenBody, elseBody) {
        this._blockNode(new If(condition));
        if (thenBody && elseBody) {
          this.code(thenBody).else().code(elseBody).endIf();
        } else if (thenBody) {
          this.code(thenBody).endIf();
        } else if (elseBody) {
          throw new Error('CodeGen: "else" body without "then" body');
        }
        return this;
      }
      // `else if` clause - invalid without `if` or after `else` clauses
      elseIf(condition) {
        return this._elseNode(new If(condition));
      }
      // `else` clause - only valid after `if` or `else if` clauses
      else() {
        return this._elseNode(new Else());
      }
      // end `if` statement (needed if gen.if was used only with condition)
      endIf() {
        return this._endBlockNode(If, Else);
      }
      _for(node, forBody) {
        this._blockNode(node);
        if (forBody)
          this.code(forBody).endFor();
        return this;
      }
      // a generic `for` clause (or statement if `forBody` is passed)
      for(iteration, forBody) {
        return this._for(new ForLoop(iteration), forBody);
      }
      // `for` statement for a range of values
      forRange(nameOrPrefix, from, to, forBody, varKind = this.opts.es5 ? scope_1.varKinds.var : scope_1.varKinds.let) {
        const name = this._scope.toName(nameOrPrefix);
        return this._for(new ForRange(varKind, name, from, to), () => forBody(name));
      }
      // `for-of` statement (in es5 mode replace with a normal for loop)
      forOf(nameOrPrefix, iterable, forBody, varKind = scope_1.varKinds.const) {
        const name = this._scope.toName(nameOrPrefix);
        if (this.opts.es5) {
          const arr2 = iterable instanceof code_1.Name ? iterable : this.var("_arr", iterable);
          return this.forRange("_i", 0, (0, code_1._)`${arr2}.length`, (i2) => {
            this.var(name, (0, code_1._)`${arr2}[${i2}]`);
            forBody(name);
          });
        }
        return this._for(new ForIter("of", varKind, name, iterable), () => forBody(name));
      }
      // `for-in` statement.
      // With option `ownProperties` replaced with a `for-of` loop for object keys
      forIn(nameOrPrefix, obj3, forBody, varKind = this.opts.es5 ? scope_1.varKinds.var : scope_1.varKinds.const) {
        if (this.opts.ownProperties) {
          return this.forOf(nameOrPrefix, (0, code_1._)`Object.keys(${obj3})`, forBody);
        }
        const name = this._scope.toName(nameOrPrefix);
        return this._for(new ForIter("in", varKind, name, obj3), () => forBody(name));
      }
      // end `for` loop
      endFor() {
        return this._endBlockNode(For);
      }
      // `label` statement
      label(label2) {
        return this._leafNode(new Label(label2));
      }
      // `break` statement
      break(label2) {
        return this._leafNode(new Break(label2));
      }
      // `return` statement
      return(value) {
        const node = new Return();
        this._blockNode(node);
        this.code(value);
        if (node.nodes.length !== 1)
          throw new Error('CodeGen: "return" should have one node');
        return this._endBlockNode(Return);
      }
      // `try` statement
      try(tryBody, catchCode, finallyCode) {
        if (!catchCode && !finallyCode)
          throw new Error('CodeGen: "try" without "catch" and "finally"');
        const node = new Try();
        this._blockNode(node);
        this.code(tryBody);
        if (catchCode) {
          const error = this.name("e");
          this._currNode = node.catch = new Catch(error);
          catchCode(error);
        }
        if (finallyCode) {
          this._currNode = node.finally = new Finally();
          this.code(finallyCode);
        }
        return this._endBlockNode(Catch, Finally);
      }
      // `throw` statement
      throw(error) {
        return this._leafNode(new Throw(error));
      }
      // start self-balancing block
      block(body, nodeCount) {
        this._blockStarts.push(this._nodes.length);
        if (body)
          this.code(body).endBlock(nodeCount);
        return this;
      }
      // end the current self-balancing block
      endBlock(nodeCount) {
        const len = this._blockStarts.pop();
        if (len === void 0)
          throw new Error("CodeGen: not in self-balancing block");
        const toClose = this._nodes.length - len;
        if (toClose < 0 || nodeCount !== void 0 && toClose !== nodeCount) {
          throw new Error(`CodeGen: wrong number of nodes: ${toClose} vs ${nodeCount} expected`);
        }
        this._nodes.length = len;
        return this;
      }
      // `function` heading (or definition if funcBody is passed)
      func(name, args = code_1.nil, async, funcBody) {
        this._blockNode(new Func(name, args, async));
        if (funcBody)
          this.code(funcBody).endFunc();
        return this;
      }
      // end function definition
      endFunc() {
        return this._endBlockNode(Func);
      }
      optimize(n2 = 1) {
        while (n2-- > 0) {
          this._root.optimizeNodes();
          this._root.optimizeNames(this._root.names, this._constants);
        }
      }
      _leafNode(node) {
        this._currNode.nodes.push(node);
        return this;
      }
      _blockNode(node) {
        this._currNode.nodes.push(node);
        this._nodes.push(node);
      }
      _endBlockNode(N1, N2) {
        const n2 = this._currNode;
        if (n2 instanceof N1 || N2 && n2 instanceof N2) {
          this._nodes.pop();
          return this;
        }
        throw new Error(`CodeGen: not in block "${N2 ? `${N1.kind}/${N2.kind}` : N1.kind}"`);
      }
      _elseNode(node) {
        const n2 = this._currNode;
        if (!(n2 instanceof If)) {
          throw new Error('CodeGen: "else" without "if"');
        }
        this._currNode = n2.else = node;
        return this;
      }
      get _root() {
        return this._nodes[0];
      }
      get _currNode() {
        const ns = this._nodes;
        return ns[ns.length - 1];
      }
      set _currNode(node) {
        const ns = this._nodes;
        ns[ns.length - 1] = node;
      }
    };
    exports.CodeGen = CodeGen;
    function addNames(names, from) {
      for (const n2 in from)
        names[n2] = (names[n2] || 0) + (from[n2] || 0);
      return names;
    }
    function addExprNames(names, from) {
      return from instanceof code_1._CodeOrName ? addNames(names, from.names) : names;
    }
    function optimizeExpr(expr, names, constants4) {
      if (expr instanceof code_1.Name)
        return replaceName(expr);
      if (!canOptimize(expr))
        return expr;
      return new code_1._Code(expr._items.reduce((items, c3) => {
        if (c3 instanceof code_1.Name)
          c3 = replaceName(c3);
        if (c3 instanceof code_1._Code)
          items.push(...c3._items);
        else
          items.push(c3);
        return items;
      }, []));
      function replaceName(n2) {
        const c3 = constants4[n2.str];
        if (c3 === void 0 || names[n2.str] !== 1)
          return n2;
        delete names[n2.str];
        return c3;
      }
      function canOptimize(e) {
        return e instanceof code_1._Code && e._items.some((c3) => c3 instanceof code_1.Name && names[c3.str] === 1 && constants4[c3.str] !== void 0);
      }
    }
    function subtractNames(names, from) {
      for (const n2 in from)
        names[n2] = (names[n2] || 0) - (from[n2] || 0);
    }
    function not(x) {
      return typeof x == "boolean" || typeof x == "number" || x === null ? !x : (0, code_1._)`!${par(x)}`;
    }
    exports.not = not;
    var andCode = mappend(exports.operators.AND);
    function and(...args) {
      return args.reduce(andCode);
    }
    exports.and = and;
    var orCode = mappend(exports.operators.OR);
    function or(...args) {
      return args.reduce(orCode);
    }
    exports.or = or;
    function mappend(op) {
      return (x, y) => x === code_1.nil ? y : y === code_1.nil ? x : (0, code_1._)`${par(x)} ${op} ${par(y)}`;
    }
    function par(x) {
      return x instanceof code_1.Name ? x : (0, code_1._)`(${x})`;
    }
  }
});

// node_modules/ajv/dist/compile/util.js
var require_util = __commonJS({
  "node_modules/ajv/dist/compile/util.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.checkStrictMode = exports.getErrorPath = exports.Type = exports.useFunc = exports.setEvaluated = exports.evaluatedPropsToName = exports.mergeEvaluated = exports.eachItem = exports.unescapeJsonPointer = exports.escapeJsonPointer = exports.escapeFragment = exports.unescapeFragment = exports.schemaRefOrVal = exports.schemaHasRulesButRef = exports.schemaHasRules = exports.checkUnknownRules = exports.alwaysValidSchema = exports.toHash = void 0;
    var codegen_1 = require_codegen();
    var code_1 = require_code();
    function toHash(arr2) {
      const hash = {};
      for (const item of arr2)
        hash[item] = true;
      return hash;
    }
    exports.toHash = toHash;
    function alwaysValidSchema(it, schema) {
      if (typeof schema == "boolean")
        return schema;
      if (Object.keys(schema).length === 0)
        return true;
      checkUnknownRules(it, schema);
      return !schemaHasRules(schema, it.self.RULES.all);
    }
    exports.alwaysValidSchema = alwaysValidSchema;
    function checkUnknownRules(it, schema = it.schema) {
      const { opts: opts2, self: self2 } = it;
      if (!opts2.strictSchema)
        return;
      if (typeof schema === "boolean")
        return;
      const rules = self2.RULES.keywords;
      for (const key in schema) {
        if (!rules[key])
          checkStrictMode(it, `unknown keyword: "${key}"`);
      }
    }
    exports.checkUnknownRules = checkUnknownRules;
    function schemaHasRules(schema, rules) {
      if (typeof schema == "boolean")
        return !schema;
      for (const key in schema)
        if (rules[key])
          return true;
      return false;
    }
    exports.schemaHasRules = schemaHasRules;
    function schemaHasRulesButRef(schema, RULES) {
      if (typeof schema == "boolean")
        return !schema;
      for (const key in schema)
        if (key !== "$ref" && RULES.all[key])
          return true;
      return false;
    }
    exports.schemaHasRulesButRef = schemaHasRulesButRef;
    function schemaRefOrVal({ topSchemaRef, schemaPath }, schema, keyword, $data) {
      if (!$data) {
        if (typeof schema == "number" || typeof schema == "boolean")
          return schema;
        if (typeof schema == "string")
          return (0, codegen_1._)`${schema}`;
      }
      return (0, codegen_1._)`${topSchemaRef}${schemaPath}${(0, codegen_1.getProperty)(keyword)}`;
    }
    exports.schemaRefOrVal = schemaRefOrVal;
    function unescapeFragment(str2) {
      return unescapeJsonPointer(decodeURIComponent(str2));
    }
    exports.unescapeFragment = unescapeFragment;
    function escapeFragment(str2) {
      return encodeURIComponent(escapeJsonPointer(str2));
    }
    exports.escapeFragment = escapeFragment;
    function escapeJsonPointer(str2) {
      if (typeof str2 == "number")
        return `${str2}`;
      return str2.replace(/~/g, "~0").replace(/\//g, "~1");
    }
    exports.escapeJsonPointer = escapeJsonPointer;
    function unescapeJsonPointer(str2) {
      return str2.replace(/~1/g, "/").replace(/~0/g, "~");
    }
    exports.unescapeJsonPointer = unescapeJsonPointer;
    function eachItem(xs, f) {
      if (Array.isArray(xs)) {
        for (const x of xs)
          f(x);
      } else {
        f(xs);
      }
    }
    exports.eachItem = eachItem;
    function makeMergeEvaluated({ mergeNames, mergeToName, mergeValues, resultToName }) {
      return (gen, from, to, toName) => {
        const res = to === void 0 ? from : to instanceof codegen_1.Name ? (from instanceof codegen_1.Name ? mergeNames(gen, from, to) : mergeToName(gen, from, to), to) : from instanceof codegen_1.Name ? (mergeToName(gen, to, from), from) : mergeValues(from, to);
        return toName === codegen_1.Name && !(res instanceof codegen_1.Name) ? resultToName(gen, res) : res;
      };
    }
    exports.mergeEvaluated = {
      props: makeMergeEvaluated({
        mergeNames: (gen, from, to) => gen.if((0, codegen_1._)`${to} !== true && ${from} !== undefined`, () => {
          gen.if((0, codegen_1._)`${from} === true`, () => gen.assign(to, true), () => gen.assign(to, (0, codegen_1._)`${to} || {}`).code((0, codegen_1._)`Object.assign(${to}, ${from})`));
        }),
        mergeToName: (gen, from, to) => gen.if((0, codegen_1._)`${to} !== true`, () => {
          if (from === true) {
            gen.assign(to, true);
          } else {
            gen.assign(to, (0, codegen_1._)`${to} || {}`);
            setEvaluated(gen, to, from);
          }
        }),
        mergeValues: (from, to) => from === true ? true : { ...from, ...to },
        resultToName: evaluatedPropsToName
      }),
      items: makeMergeEvaluated({
        mergeNames: (gen, from, to) => gen.if((0, codegen_1._)`${to} !== true && ${from} !== undefined`, () => gen.assign(to, (0, codegen_1._)`${from} === true ? true : ${to} > ${from} ? ${to} : ${from}`)),
        mergeToName: (gen, from, to) => gen.if((0, codegen_1._)`${to} !== true`, () => gen.assign(to, from === true ? true : (0, codegen_1._)`${to} > ${from} ? ${to} : ${from}`)),
        mergeValues: (from, to) => from === true ? true : Math.max(from, to),
        resultToName: (gen, items) => gen.var("items", items)
      })
    };
    function evaluatedPropsToName(gen, ps) {
      if (ps === true)
        return gen.var("props", true);
      const props = gen.var("props", (0, codegen_1._)`{}`);
      if (ps !== void 0)
        setEvaluated(gen, props, ps);
      return props;
    }
    exports.evaluatedPropsToName = evaluatedPropsToName;
    function setEvaluated(gen, props, ps) {
      Object.keys(ps).forEach((p) => gen.assign((0, codegen_1._)`${props}${(0, codegen_1.getProperty)(p)}`, true));
    }
    exports.setEvaluated = setEvaluated;
    var snippets = {};
    function useFunc(gen, f) {
      return gen.scopeValue("func", {
        ref: f,
        code: snippets[f.code] || (snippets[f.code] = new code_1._Code(f.code))
      });
    }
    exports.useFunc = useFunc;
    var Type;
    (function(Type2) {
      Type2[Type2["Num"] = 0] = "Num";
      Type2[Type2["Str"] = 1] = "Str";
    })(Type || (exports.Type = Type = {}));
    function getErrorPath(dataProp, dataPropType, jsPropertySyntax) {
      if (dataProp instanceof codegen_1.Name) {
        const isNumber = dataPropType === Type.Num;
        return jsPropertySyntax ? isNumber ? (0, codegen_1._)`"[" + ${dataProp} + "]"` : (0, codegen_1._)`"['" + ${dataProp} + "']"` : isNumber ? (0, codegen_1._)`"/" + ${dataProp}` : (0, codegen_1._)`"/" + ${dataProp}.replace(/~/g, "~0").replace(/\\//g, "~1")`;
      }
      return jsPropertySyntax ? (0, codegen_1.getProperty)(dataProp).toString() : "/" + escapeJsonPointer(dataProp);
    }
    exports.getErrorPath = getErrorPath;
    function checkStrictMode(it, msg, mode = it.opts.strictSchema) {
      if (!mode)
        return;
      msg = `strict mode: ${msg}`;
      if (mode === true)
        throw new Error(msg);
      it.self.logger.warn(msg);
    }
    exports.checkStrictMode = checkStrictMode;
  }
});

// node_modules/ajv/dist/compile/names.js
var require_names = __commonJS({
  "node_modules/ajv/dist/compile/names.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var codegen_1 = require_codegen();
    var names = {
      // validation function arguments
      data: new codegen_1.Name("data"),
      // data passed to validation function
      // args passed from referencing schema
      valCxt: new codegen_1.Name("valCxt"),
      // validation/data context - should not be used directly, it is destructured to the names below
      instancePath: new codegen_1.Name("instancePath"),
      parentData: new codegen_1.Name("parentData"),
      parentDataProperty: new codegen_1.Name("parentDataProperty"),
      rootData: new codegen_1.Name("rootData"),
      // root data - same as the data passed to the first/top validation function
      dynamicAnchors: new codegen_1.Name("dynamicAnchors"),
      // used to support recursiveRef and dynamicRef
      // function scoped variables
      vErrors: new codegen_1.Name("vErrors"),
      // null or array of validation errors
      errors: new codegen_1.Name("errors"),
      // counter of validation errors
      this: new codegen_1.Name("this"),
      // "globals"
      self: new codegen_1.Name("self"),
      scope: new codegen_1.Name("scope"),
      // JTD serialize/parse name for JSON string and position
      json: new codegen_1.Name("json"),
      jsonPos: new codegen_1.Name("jsonPos"),
      jsonLen: new codegen_1.Name("jsonLen"),
      jsonPart: new codegen_1.Name("jsonPart")
    };
    exports.default = names;
  }
});

// node_modules/ajv/dist/compile/errors.js
var require_errors = __commonJS({
  "node_modules/ajv/dist/compile/errors.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.extendErrors = exports.resetErrorsCount = exports.reportExtraError = exports.reportError = exports.keyword$DataError = exports.keywordError = void 0;
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    var names_1 = require_names();
    exports.keywordError = {
      message: ({ keyword }) => (0, codegen_1.str)`must pass "${keyword}" keyword validation`
    };
    exports.keyword$DataError = {
      message: ({ keyword, schemaType }) => schemaType ? (0, codegen_1.str)`"${keyword}" keyword must be ${schemaType} ($data)` : (0, codegen_1.str)`"${keyword}" keyword is invalid ($data)`
    };
    function reportError(cxt, error = exports.keywordError, errorPaths, overrideAllErrors) {
      const { it } = cxt;
      const { gen, compositeRule, allErrors } = it;
      const errObj = errorObjectCode(cxt, error, errorPaths);
      if (overrideAllErrors !== null && overrideAllErrors !== void 0 ? overrideAllErrors : compositeRule || allErrors) {
        addError(gen, errObj);
      } else {
        returnErrors(it, (0, codegen_1._)`[${errObj}]`);
      }
    }
    exports.reportError = reportError;
    function reportExtraError(cxt, error = exports.keywordError, errorPaths) {
      const { it } = cxt;
      const { gen, compositeRule, allErrors } = it;
      const errObj = errorObjectCode(cxt, error, errorPaths);
      addError(gen, errObj);
      if (!(compositeRule || allErrors)) {
        returnErrors(it, names_1.default.vErrors);
      }
    }
    exports.reportExtraError = reportExtraError;
    function resetErrorsCount(gen, errsCount) {
      gen.assign(names_1.default.errors, errsCount);
      gen.if((0, codegen_1._)`${names_1.default.vErrors} !== null`, () => gen.if(errsCount, () => gen.assign((0, codegen_1._)`${names_1.default.vErrors}.length`, errsCount), () => gen.assign(names_1.default.vErrors, null)));
    }
    exports.resetErrorsCount = resetErrorsCount;
    function extendErrors({ gen, keyword, schemaValue, data, errsCount, it }) {
      if (errsCount === void 0)
        throw new Error("ajv implementation error");
      const err = gen.name("err");
      gen.forRange("i", errsCount, names_1.default.errors, (i2) => {
        gen.const(err, (0, codegen_1._)`${names_1.default.vErrors}[${i2}]`);
        gen.if((0, codegen_1._)`${err}.instancePath === undefined`, () => gen.assign((0, codegen_1._)`${err}.instancePath`, (0, codegen_1.strConcat)(names_1.default.instancePath, it.errorPath)));
        gen.assign((0, codegen_1._)`${err}.schemaPath`, (0, codegen_1.str)`${it.errSchemaPath}/${keyword}`);
        if (it.opts.verbose) {
          gen.assign((0, codegen_1._)`${err}.schema`, schemaValue);
          gen.assign((0, codegen_1._)`${err}.data`, data);
        }
      });
    }
    exports.extendErrors = extendErrors;
    function addError(gen, errObj) {
      const err = gen.const("err", errObj);
      gen.if((0, codegen_1._)`${names_1.default.vErrors} === null`, () => gen.assign(names_1.default.vErrors, (0, codegen_1._)`[${err}]`), (0, codegen_1._)`${names_1.default.vErrors}.push(${err})`);
      gen.code((0, codegen_1._)`${names_1.default.errors}++`);
    }
    function returnErrors(it, errs) {
      const { gen, validateName, schemaEnv } = it;
      if (schemaEnv.$async) {
        gen.throw((0, codegen_1._)`new ${it.ValidationError}(${errs})`);
      } else {
        gen.assign((0, codegen_1._)`${validateName}.errors`, errs);
        gen.return(false);
      }
    }
    var E = {
      keyword: new codegen_1.Name("keyword"),
      schemaPath: new codegen_1.Name("schemaPath"),
      // also used in JTD errors
      params: new codegen_1.Name("params"),
      propertyName: new codegen_1.Name("propertyName"),
      message: new codegen_1.Name("message"),
      schema: new codegen_1.Name("schema"),
      parentSchema: new codegen_1.Name("parentSchema")
    };
    function errorObjectCode(cxt, error, errorPaths) {
      const { createErrors } = cxt.it;
      if (createErrors === false)
        return (0, codegen_1._)`{}`;
      return errorObject(cxt, error, errorPaths);
    }
    function errorObject(cxt, error, errorPaths = {}) {
      const { gen, it } = cxt;
      const keyValues = [
        errorInstancePath(it, errorPaths),
        errorSchemaPath(cxt, errorPaths)
      ];
      extraErrorProps(cxt, error, keyValues);
      return gen.object(...keyValues);
    }
    function errorInstancePath({ errorPath }, { instancePath }) {
      const instPath = instancePath ? (0, codegen_1.str)`${errorPath}${(0, util_1.getErrorPath)(instancePath, util_1.Type.Str)}` : errorPath;
      return [names_1.default.instancePath, (0, codegen_1.strConcat)(names_1.default.instancePath, instPath)];
    }
    function errorSchemaPath({ keyword, it: { errSchemaPath } }, { schemaPath, parentSchema }) {
      let schPath = parentSchema ? errSchemaPath : (0, codegen_1.str)`${errSchemaPath}/${keyword}`;
      if (schemaPath) {
        schPath = (0, codegen_1.str)`${schPath}${(0, util_1.getErrorPath)(schemaPath, util_1.Type.Str)}`;
      }
      return [E.schemaPath, schPath];
    }
    function extraErrorProps(cxt, { params, message }, keyValues) {
      const { keyword, data, schemaValue, it } = cxt;
      const { opts: opts2, propertyName, topSchemaRef, schemaPath } = it;
      keyValues.push([E.keyword, keyword], [E.params, typeof params == "function" ? params(cxt) : params || (0, codegen_1._)`{}`]);
      if (opts2.messages) {
        keyValues.push([E.message, typeof message == "function" ? message(cxt) : message]);
      }
      if (opts2.verbose) {
        keyValues.push([E.schema, schemaValue], [E.parentSchema, (0, codegen_1._)`${topSchemaRef}${schemaPath}`], [names_1.default.data, data]);
      }
      if (propertyName)
        keyValues.push([E.propertyName, propertyName]);
    }
  }
});

// node_modules/ajv/dist/compile/validate/boolSchema.js
var require_boolSchema = __commonJS({
  "node_modules/ajv/dist/compile/validate/boolSchema.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.boolOrEmptySchema = exports.topBoolOrEmptySchema = void 0;
    var errors_1 = require_errors();
    var codegen_1 = require_codegen();
    var names_1 = require_names();
    var boolError = {
      message: "boolean schema is false"
    };
    function topBoolOrEmptySchema(it) {
      const { gen, schema, validateName } = it;
      if (schema === false) {
        falseSchemaError(it, false);
      } else if (typeof schema == "object" && schema.$async === true) {
        gen.return(names_1.default.data);
      } else {
        gen.assign((0, codegen_1._)`${validateName}.errors`, null);
        gen.return(true);
      }
    }
    exports.topBoolOrEmptySchema = topBoolOrEmptySchema;
    function boolOrEmptySchema(it, valid) {
      const { gen, schema } = it;
      if (schema === false) {
        gen.var(valid, false);
        falseSchemaError(it);
      } else {
        gen.var(valid, true);
      }
    }
    exports.boolOrEmptySchema = boolOrEmptySchema;
    function falseSchemaError(it, overrideAllErrors) {
      const { gen, data } = it;
      const cxt = {
        gen,
        keyword: "false schema",
        data,
        schema: false,
        schemaCode: false,
        schemaValue: false,
        params: {},
        it
      };
      (0, errors_1.reportError)(cxt, boolError, void 0, overrideAllErrors);
    }
  }
});

// node_modules/ajv/dist/compile/rules.js
var require_rules = __commonJS({
  "node_modules/ajv/dist/compile/rules.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.getRules = exports.isJSONType = void 0;
    var _jsonTypes = ["string", "number", "integer", "boolean", "null", "object", "array"];
    var jsonTypes = new Set(_jsonTypes);
    function isJSONType(x) {
      return typeof x == "string" && jsonTypes.has(x);
    }
    exports.isJSONType = isJSONType;
    function getRules() {
      const groups = {
        number: { type: "number", rules: [] },
        string: { type: "string", rules: [] },
        array: { type: "array", rules: [] },
        object: { type: "object", rules: [] }
      };
      return {
        types: { ...groups, integer: true, boolean: true, null: true },
        rules: [{ rules: [] }, groups.number, groups.string, groups.array, groups.object],
        post: { rules: [] },
        all: {},
        keywords: {}
      };
    }
    exports.getRules = getRules;
  }
});

// node_modules/ajv/dist/compile/validate/applicability.js
var require_applicability = __commonJS({
  "node_modules/ajv/dist/compile/validate/applicability.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.shouldUseRule = exports.shouldUseGroup = exports.schemaHasRulesForType = void 0;
    function schemaHasRulesForType({ schema, self: self2 }, type) {
      const group = self2.RULES.types[type];
      return group && group !== true && shouldUseGroup(schema, group);
    }
    exports.schemaHasRulesForType = schemaHasRulesForType;
    function shouldUseGroup(schema, group) {
      return group.rules.some((rule) => shouldUseRule(schema, rule));
    }
    exports.shouldUseGroup = shouldUseGroup;
    function shouldUseRule(schema, rule) {
      var _a;
      return schema[rule.keyword] !== void 0 || ((_a = rule.definition.implements) === null || _a === void 0 ? void 0 : _a.some((kwd) => schema[kwd] !== void 0));
    }
    exports.shouldUseRule = shouldUseRule;
  }
});

// node_modules/ajv/dist/compile/validate/dataType.js
var require_dataType = __commonJS({
  "node_modules/ajv/dist/compile/validate/dataType.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.reportTypeError = exports.checkDataTypes = exports.checkDataType = exports.coerceAndCheckDataType = exports.getJSONTypes = exports.getSchemaTypes = exports.DataType = void 0;
    var rules_1 = require_rules();
    var applicability_1 = require_applicability();
    var errors_1 = require_errors();
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    var DataType;
    (function(DataType2) {
      DataType2[DataType2["Correct"] = 0] = "Correct";
      DataType2[DataType2["Wrong"] = 1] = "Wrong";
    })(DataType || (exports.DataType = DataType = {}));
    function getSchemaTypes(schema) {
      const types = getJSONTypes(schema.type);
      const hasNull = types.includes("null");
      if (hasNull) {
        if (schema.nullable === false)
          throw new Error("type: null contradicts nullable: false");
      } else {
        if (!types.length && schema.nullable !== void 0) {
          throw new Error('"nullable" cannot be used without "type"');
        }
        if (schema.nullable === true)
          types.push("null");
      }
      return types;
    }
    exports.getSchemaTypes = getSchemaTypes;
    function getJSONTypes(ts) {
      const types = Array.isArray(ts) ? ts : ts ? [ts] : [];
      if (types.every(rules_1.isJSONType))
        return types;
      throw new Error("type must be JSONType or JSONType[]: " + types.join(","));
    }
    exports.getJSONTypes = getJSONTypes;
    function coerceAndCheckDataType(it, types) {
      const { gen, data, opts: opts2 } = it;
      const coerceTo = coerceToTypes(types, opts2.coerceTypes);
      const checkTypes = types.length > 0 && !(coerceTo.length === 0 && types.length === 1 && (0, applicability_1.schemaHasRulesForType)(it, types[0]));
      if (checkTypes) {
        const wrongType = checkDataTypes(types, data, opts2.strictNumbers, DataType.Wrong);
        gen.if(wrongType, () => {
          if (coerceTo.length)
            coerceData(it, types, coerceTo);
          else
            reportTypeError(it);
        });
      }
      return checkTypes;
    }
    exports.coerceAndCheckDataType = coerceAndCheckDataType;
    var COERCIBLE = /* @__PURE__ */ new Set(["string", "number", "integer", "boolean", "null"]);
    function coerceToTypes(types, coerceTypes) {
      return coerceTypes ? types.filter((t) => COERCIBLE.has(t) || coerceTypes === "array" && t === "array") : [];
    }
    function coerceData(it, types, coerceTo) {
      const { gen, data, opts: opts2 } = it;
      const dataType = gen.let("dataType", (0, codegen_1._)`typeof ${data}`);
      const coerced = gen.let("coerced", (0, codegen_1._)`undefined`);
      if (opts2.coerceTypes === "array") {
        gen.if((0, codegen_1._)`${dataType} == 'object' && Array.isArray(${data}) && ${data}.length == 1`, () => gen.assign(data, (0, codegen_1._)`${data}[0]`).assign(dataType, (0, codegen_1._)`typeof ${data}`).if(checkDataTypes(types, data, opts2.strictNumbers), () => gen.assign(coerced, data)));
      }
      gen.if((0, codegen_1._)`${coerced} !== undefined`);
      for (const t of coerceTo) {
        if (COERCIBLE.has(t) || t === "array" && opts2.coerceTypes === "array") {
          coerceSpecificType(t);
        }
      }
      gen.else();
      reportTypeError(it);
      gen.endIf();
      gen.if((0, codegen_1._)`${coerced} !== undefined`, () => {
        gen.assign(data, coerced);
        assignParentData(it, coerced);
      });
      function coerceSpecificType(t) {
        switch (t) {
          case "string":
            gen.elseIf((0, codegen_1._)`${dataType} == "number" || ${dataType} == "boolean"`).assign(coerced, (0, codegen_1._)`"" + ${data}`).elseIf((0, codegen_1._)`${data} === null`).assign(coerced, (0, codegen_1._)`""`);
            return;
          case "number":
            gen.elseIf((0, codegen_1._)`${dataType} == "boolean" || ${data} === null
              || (${dataType} == "string" && ${data} && ${data} == +${data})`).assign(coerced, (0, codegen_1._)`+${data}`);
            return;
          case "integer":
            gen.elseIf((0, codegen_1._)`${dataType} === "boolean" || ${data} === null
              || (${dataType} === "string" && ${data} && ${data} == +${data} && !(${data} % 1))`).assign(coerced, (0, codegen_1._)`+${data}`);
            return;
          case "boolean":
            gen.elseIf((0, codegen_1._)`${data} === "false" || ${data} === 0 || ${data} === null`).assign(coerced, false).elseIf((0, codegen_1._)`${data} === "true" || ${data} === 1`).assign(coerced, true);
            return;
          case "null":
            gen.elseIf((0, codegen_1._)`${data} === "" || ${data} === 0 || ${data} === false`);
            gen.assign(coerced, null);
            return;
          case "array":
            gen.elseIf((0, codegen_1._)`${dataType} === "string" || ${dataType} === "number"
              || ${dataType} === "boolean" || ${data} === null`).assign(coerced, (0, codegen_1._)`[${data}]`);
        }
      }
    }
    function assignParentData({ gen, parentData, parentDataProperty }, expr) {
      gen.if((0, codegen_1._)`${parentData} !== undefined`, () => gen.assign((0, codegen_1._)`${parentData}[${parentDataProperty}]`, expr));
    }
    function checkDataType(dataType, data, strictNums, correct = DataType.Correct) {
      const EQ = correct === DataType.Correct ? codegen_1.operators.EQ : codegen_1.operators.NEQ;
      let cond;
      switch (dataType) {
        case "null":
          return (0, codegen_1._)`${data} ${EQ} null`;
        case "array":
          cond = (0, codegen_1._)`Array.isArray(${data})`;
          break;
        case "object":
          cond = (0, codegen_1._)`${data} && typeof ${data} == "object" && !Array.isArray(${data})`;
          break;
        case "integer":
          cond = numCond((0, codegen_1._)`!(${data} % 1) && !isNaN(${data})`);
          break;
        case "number":
          cond = numCond();
          break;
        default:
          return (0, codegen_1._)`typeof ${data} ${EQ} ${dataType}`;
      }
      return correct === DataType.Correct ? cond : (0, codegen_1.not)(cond);
      function numCond(_cond = codegen_1.nil) {
        return (0, codegen_1.and)((0, codegen_1._)`typeof ${data} == "number"`, _cond, strictNums ? (0, codegen_1._)`isFinite(${data})` : codegen_1.nil);
      }
    }
    exports.checkDataType = checkDataType;
    function checkDataTypes(dataTypes, data, strictNums, correct) {
      if (dataTypes.length === 1) {
        return checkDataType(dataTypes[0], data, strictNums, correct);
      }
      let cond;
      const types = (0, util_1.toHash)(dataTypes);
      if (types.array && types.object) {
        const notObj = (0, codegen_1._)`typeof ${data} != "object"`;
        cond = types.null ? notObj : (0, codegen_1._)`!${data} || ${notObj}`;
        delete types.null;
        delete types.array;
        delete types.object;
      } else {
        cond = codegen_1.nil;
      }
      if (types.number)
        delete types.integer;
      for (const t in types)
        cond = (0, codegen_1.and)(cond, checkDataType(t, data, strictNums, correct));
      return cond;
    }
    exports.checkDataTypes = checkDataTypes;
    var typeError = {
      message: ({ schema }) => `must be ${schema}`,
      params: ({ schema, schemaValue }) => typeof schema == "string" ? (0, codegen_1._)`{type: ${schema}}` : (0, codegen_1._)`{type: ${schemaValue}}`
    };
    function reportTypeError(it) {
      const cxt = getTypeErrorContext(it);
      (0, errors_1.reportError)(cxt, typeError);
    }
    exports.reportTypeError = reportTypeError;
    function getTypeErrorContext(it) {
      const { gen, data, schema } = it;
      const schemaCode = (0, util_1.schemaRefOrVal)(it, schema, "type");
      return {
        gen,
        keyword: "type",
        data,
        schema: schema.type,
        schemaCode,
        schemaValue: schemaCode,
        parentSchema: schema,
        params: {},
        it
      };
    }
  }
});

// node_modules/ajv/dist/compile/validate/defaults.js
var require_defaults = __commonJS({
  "node_modules/ajv/dist/compile/validate/defaults.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.assignDefaults = void 0;
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    function assignDefaults(it, ty) {
      const { properties, items } = it.schema;
      if (ty === "object" && properties) {
        for (const key in properties) {
          assignDefault(it, key, properties[key].default);
        }
      } else if (ty === "array" && Array.isArray(items)) {
        items.forEach((sch, i2) => assignDefault(it, i2, sch.default));
      }
    }
    exports.assignDefaults = assignDefaults;
    function assignDefault(it, prop, defaultValue) {
      const { gen, compositeRule, data, opts: opts2 } = it;
      if (defaultValue === void 0)
        return;
      const childData = (0, codegen_1._)`${data}${(0, codegen_1.getProperty)(prop)}`;
      if (compositeRule) {
        (0, util_1.checkStrictMode)(it, `default is ignored for: ${childData}`);
        return;
      }
      let condition = (0, codegen_1._)`${childData} === undefined`;
      if (opts2.useDefaults === "empty") {
        condition = (0, codegen_1._)`${condition} || ${childData} === null || ${childData} === ""`;
      }
      gen.if(condition, (0, codegen_1._)`${childData} = ${(0, codegen_1.stringify)(defaultValue)}`);
    }
  }
});

// node_modules/ajv/dist/vocabularies/code.js
var require_code2 = __commonJS({
  "node_modules/ajv/dist/vocabularies/code.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.validateUnion = exports.validateArray = exports.usePattern = exports.callValidateCode = exports.schemaProperties = exports.allSchemaProperties = exports.noPropertyInData = exports.propertyInData = exports.isOwnProperty = exports.hasPropFunc = exports.reportMissingProp = exports.checkMissingProp = exports.checkReportMissingProp = void 0;
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    var names_1 = require_names();
    var util_2 = require_util();
    function checkReportMissingProp(cxt, prop) {
      const { gen, data, it } = cxt;
      gen.if(noPropertyInData(gen, data, prop, it.opts.ownProperties), () => {
        cxt.setParams({ missingProperty: (0, codegen_1._)`${prop}` }, true);
        cxt.error();
      });
    }
    exports.checkReportMissingProp = checkReportMissingProp;
    function checkMissingProp({ gen, data, it: { opts: opts2 } }, properties, missing) {
      return (0, codegen_1.or)(...properties.map((prop) => (0, codegen_1.and)(noPropertyInData(gen, data, prop, opts2.ownProperties), (0, codegen_1._)`${missing} = ${prop}`)));
    }
    exports.checkMissingProp = checkMissingProp;
    function reportMissingProp(cxt, missing) {
      cxt.setParams({ missingProperty: missing }, true);
      cxt.error();
    }
    exports.reportMissingProp = reportMissingProp;
    function hasPropFunc(gen) {
      return gen.scopeValue("func", {
        // eslint-disable-next-line @typescript-eslint/unbound-method
        ref: Object.prototype.hasOwnProperty,
        code: (0, codegen_1._)`Object.prototype.hasOwnProperty`
      });
    }
    exports.hasPropFunc = hasPropFunc;
    function isOwnProperty(gen, data, property) {
      return (0, codegen_1._)`${hasPropFunc(gen)}.call(${data}, ${property})`;
    }
    exports.isOwnProperty = isOwnProperty;
    function propertyInData(gen, data, property, ownProperties) {
      const cond = (0, codegen_1._)`${data}${(0, codegen_1.getProperty)(property)} !== undefined`;
      return ownProperties ? (0, codegen_1._)`${cond} && ${isOwnProperty(gen, data, property)}` : cond;
    }
    exports.propertyInData = propertyInData;
    function noPropertyInData(gen, data, property, ownProperties) {
      const cond = (0, codegen_1._)`${data}${(0, codegen_1.getProperty)(property)} === undefined`;
      return ownProperties ? (0, codegen_1.or)(cond, (0, codegen_1.not)(isOwnProperty(gen, data, property))) : cond;
    }
    exports.noPropertyInData = noPropertyInData;
    function allSchemaProperties(schemaMap) {
      return schemaMap ? Object.keys(schemaMap).filter((p) => p !== "__proto__") : [];
    }
    exports.allSchemaProperties = allSchemaProperties;
    function schemaProperties(it, schemaMap) {
      return allSchemaProperties(schemaMap).filter((p) => !(0, util_1.alwaysValidSchema)(it, schemaMap[p]));
    }
    exports.schemaProperties = schemaProperties;
    function callValidateCode({ schemaCode, data, it: { gen, topSchemaRef, schemaPath, errorPath }, it }, func, context, passSchema) {
      const dataAndSchema = passSchema ? (0, codegen_1._)`${schemaCode}, ${data}, ${topSchemaRef}${schemaPath}` : data;
      const valCxt = [
        [names_1.default.instancePath, (0, codegen_1.strConcat)(names_1.default.instancePath, errorPath)],
        [names_1.default.parentData, it.parentData],
        [names_1.default.parentDataProperty, it.parentDataProperty],
        [names_1.default.rootData, names_1.default.rootData]
      ];
      if (it.opts.dynamicRef)
        valCxt.push([names_1.default.dynamicAnchors, names_1.default.dynamicAnchors]);
      const args = (0, codegen_1._)`${dataAndSchema}, ${gen.object(...valCxt)}`;
      return context !== codegen_1.nil ? (0, codegen_1._)`${func}.call(${context}, ${args})` : (0, codegen_1._)`${func}(${args})`;
    }
    exports.callValidateCode = callValidateCode;
    var newRegExp = (0, codegen_1._)`new RegExp`;
    function usePattern({ gen, it: { opts: opts2 } }, pattern) {
      const u2 = opts2.unicodeRegExp ? "u" : "";
      const { regExp } = opts2.code;
      const rx = regExp(pattern, u2);
      return gen.scopeValue("pattern", {
        key: rx.toString(),
        ref: rx,
        code: (0, codegen_1._)`${regExp.code === "new RegExp" ? newRegExp : (0, util_2.useFunc)(gen, regExp)}(${pattern}, ${u2})`
      });
    }
    exports.usePattern = usePattern;
    function validateArray(cxt) {
      const { gen, data, keyword, it } = cxt;
      const valid = gen.name("valid");
      if (it.allErrors) {
        const validArr = gen.let("valid", true);
        validateItems(() => gen.assign(validArr, false));
        return validArr;
      }
      gen.var(valid, true);
      validateItems(() => gen.break());
      return valid;
      function validateItems(notValid) {
        const len = gen.const("len", (0, codegen_1._)`${data}.length`);
        gen.forRange("i", 0, len, (i2) => {
          cxt.subschema({
            keyword,
            dataProp: i2,
            dataPropType: util_1.Type.Num
          }, valid);
          gen.if((0, codegen_1.not)(valid), notValid);
        });
      }
    }
    exports.validateArray = validateArray;
    function validateUnion(cxt) {
      const { gen, schema, keyword, it } = cxt;
      if (!Array.isArray(schema))
        throw new Error("ajv implementation error");
      const alwaysValid = schema.some((sch) => (0, util_1.alwaysValidSchema)(it, sch));
      if (alwaysValid && !it.opts.unevaluated)
        return;
      const valid = gen.let("valid", false);
      const schValid = gen.name("_valid");
      gen.block(() => schema.forEach((_sch, i2) => {
        const schCxt = cxt.subschema({
          keyword,
          schemaProp: i2,
          compositeRule: true
        }, schValid);
        gen.assign(valid, (0, codegen_1._)`${valid} || ${schValid}`);
        const merged = cxt.mergeValidEvaluated(schCxt, schValid);
        if (!merged)
          gen.if((0, codegen_1.not)(valid));
      }));
      cxt.result(valid, () => cxt.reset(), () => cxt.error(true));
    }
    exports.validateUnion = validateUnion;
  }
});

// node_modules/ajv/dist/compile/validate/keyword.js
var require_keyword = __commonJS({
  "node_modules/ajv/dist/compile/validate/keyword.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.validateKeywordUsage = exports.validSchemaType = exports.funcKeywordCode = exports.macroKeywordCode = void 0;
    var codegen_1 = require_codegen();
    var names_1 = require_names();
    var code_1 = require_code2();
    var errors_1 = require_errors();
    function macroKeywordCode(cxt, def) {
      const { gen, keyword, schema, parentSchema, it } = cxt;
      const macroSchema = def.macro.call(it.self, schema, parentSchema, it);
      const schemaRef = useKeyword(gen, keyword, macroSchema);
      if (it.opts.validateSchema !== false)
        it.self.validateSchema(macroSchema, true);
      const valid = gen.name("valid");
      cxt.subschema({
        schema: macroSchema,
        schemaPath: codegen_1.nil,
        errSchemaPath: `${it.errSchemaPath}/${keyword}`,
        topSchemaRef: schemaRef,
        compositeRule: true
      }, valid);
      cxt.pass(valid, () => cxt.error(true));
    }
    exports.macroKeywordCode = macroKeywordCode;
    function funcKeywordCode(cxt, def) {
      var _a;
      const { gen, keyword, schema, parentSchema, $data, it } = cxt;
      checkAsyncKeyword(it, def);
      const validate = !$data && def.compile ? def.compile.call(it.self, schema, parentSchema, it) : def.validate;
      const validateRef = useKeyword(gen, keyword, validate);
      const valid = gen.let("valid");
      cxt.block$data(valid, validateKeyword);
      cxt.ok((_a = def.valid) !== null && _a !== void 0 ? _a : valid);
      function validateKeyword() {
        if (def.errors === false) {
          assignValid();
          if (def.modifying)
            modifyData(cxt);
          reportErrs(() => cxt.error());
        } else {
          const ruleErrs = def.async ? validateAsync() : validateSync();
          if (def.modifying)
            modifyData(cxt);
          reportErrs(() => addErrs(cxt, ruleErrs));
        }
      }
      function validateAsync() {
        const ruleErrs = gen.let("ruleErrs", null);
        gen.try(() => assignValid((0, codegen_1._)`await `), (e) => gen.assign(valid, false).if((0, codegen_1._)`${e} instanceof ${it.ValidationError}`, () => gen.assign(ruleErrs, (0, codegen_1._)`${e}.errors`), () => gen.throw(e)));
        return ruleErrs;
      }
      function validateSync() {
        const validateErrs = (0, codegen_1._)`${validateRef}.errors`;
        gen.assign(validateErrs, null);
        assignValid(codegen_1.nil);
        return validateErrs;
      }
      function assignValid(_await = def.async ? (0, codegen_1._)`await ` : codegen_1.nil) {
        const passCxt = it.opts.passContext ? names_1.default.this : names_1.default.self;
        const passSchema = !("compile" in def && !$data || def.schema === false);
        gen.assign(valid, (0, codegen_1._)`${_await}${(0, code_1.callValidateCode)(cxt, validateRef, passCxt, passSchema)}`, def.modifying);
      }
      function reportErrs(errors) {
        var _a2;
        gen.if((0, codegen_1.not)((_a2 = def.valid) !== null && _a2 !== void 0 ? _a2 : valid), errors);
      }
    }
    exports.funcKeywordCode = funcKeywordCode;
    function modifyData(cxt) {
      const { gen, data, it } = cxt;
      gen.if(it.parentData, () => gen.assign(data, (0, codegen_1._)`${it.parentData}[${it.parentDataProperty}]`));
    }
    function addErrs(cxt, errs) {
      const { gen } = cxt;
      gen.if((0, codegen_1._)`Array.isArray(${errs})`, () => {
        gen.assign(names_1.default.vErrors, (0, codegen_1._)`${names_1.default.vErrors} === null ? ${errs} : ${names_1.default.vErrors}.concat(${errs})`).assign(names_1.default.errors, (0, codegen_1._)`${names_1.default.vErrors}.length`);
        (0, errors_1.extendErrors)(cxt);
      }, () => cxt.error());
    }
    function checkAsyncKeyword({ schemaEnv }, def) {
      if (def.async && !schemaEnv.$async)
        throw new Error("async keyword in sync schema");
    }
    function useKeyword(gen, keyword, result) {
      if (result === void 0)
        throw new Error(`keyword "${keyword}" failed to compile`);
      return gen.scopeValue("keyword", typeof result == "function" ? { ref: result } : { ref: result, code: (0, codegen_1.stringify)(result) });
    }
    function validSchemaType(schema, schemaType, allowUndefined = false) {
      return !schemaType.length || schemaType.some((st) => st === "array" ? Array.isArray(schema) : st === "object" ? schema && typeof schema == "object" && !Array.isArray(schema) : typeof schema == st || allowUndefined && typeof schema == "undefined");
    }
    exports.validSchemaType = validSchemaType;
    function validateKeywordUsage({ schema, opts: opts2, self: self2, errSchemaPath }, def, keyword) {
      if (Array.isArray(def.keyword) ? !def.keyword.includes(keyword) : def.keyword !== keyword) {
        throw new Error("ajv implementation error");
      }
      const deps = def.dependencies;
      if (deps === null || deps === void 0 ? void 0 : deps.some((kwd) => !Object.prototype.hasOwnProperty.call(schema, kwd))) {
        throw new Error(`parent schema must have dependencies of ${keyword}: ${deps.join(",")}`);
      }
      if (def.validateSchema) {
        const valid = def.validateSchema(schema[keyword]);
        if (!valid) {
          const msg = `keyword "${keyword}" value is invalid at path "${errSchemaPath}": ` + self2.errorsText(def.validateSchema.errors);
          if (opts2.validateSchema === "log")
            self2.logger.error(msg);
          else
            throw new Error(msg);
        }
      }
    }
    exports.validateKeywordUsage = validateKeywordUsage;
  }
});

// node_modules/ajv/dist/compile/validate/subschema.js
var require_subschema = __commonJS({
  "node_modules/ajv/dist/compile/validate/subschema.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.extendSubschemaMode = exports.extendSubschemaData = exports.getSubschema = void 0;
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    function getSubschema(it, { keyword, schemaProp, schema, schemaPath, errSchemaPath, topSchemaRef }) {
      if (keyword !== void 0 && schema !== void 0) {
        throw new Error('both "keyword" and "schema" passed, only one allowed');
      }
      if (keyword !== void 0) {
        const sch = it.schema[keyword];
        return schemaProp === void 0 ? {
          schema: sch,
          schemaPath: (0, codegen_1._)`${it.schemaPath}${(0, codegen_1.getProperty)(keyword)}`,
          errSchemaPath: `${it.errSchemaPath}/${keyword}`
        } : {
          schema: sch[schemaProp],
          schemaPath: (0, codegen_1._)`${it.schemaPath}${(0, codegen_1.getProperty)(keyword)}${(0, codegen_1.getProperty)(schemaProp)}`,
          errSchemaPath: `${it.errSchemaPath}/${keyword}/${(0, util_1.escapeFragment)(schemaProp)}`
        };
      }
      if (schema !== void 0) {
        if (schemaPath === void 0 || errSchemaPath === void 0 || topSchemaRef === void 0) {
          throw new Error('"schemaPath", "errSchemaPath" and "topSchemaRef" are required with "schema"');
        }
        return {
          schema,
          schemaPath,
          topSchemaRef,
          errSchemaPath
        };
      }
      throw new Error('either "keyword" or "schema" must be passed');
    }
    exports.getSubschema = getSubschema;
    function extendSubschemaData(subschema, it, { dataProp, dataPropType: dpType, data, dataTypes, propertyName }) {
      if (data !== void 0 && dataProp !== void 0) {
        throw new Error('both "data" and "dataProp" passed, only one allowed');
      }
      const { gen } = it;
      if (dataProp !== void 0) {
        const { errorPath, dataPathArr, opts: opts2 } = it;
        const nextData = gen.let("data", (0, codegen_1._)`${it.data}${(0, codegen_1.getProperty)(dataProp)}`, true);
        dataContextProps(nextData);
        subschema.errorPath = (0, codegen_1.str)`${errorPath}${(0, util_1.getErrorPath)(dataProp, dpType, opts2.jsPropertySyntax)}`;
        subschema.parentDataProperty = (0, codegen_1._)`${dataProp}`;
        subschema.dataPathArr = [...dataPathArr, subschema.parentDataProperty];
      }
      if (data !== void 0) {
        const nextData = data instanceof codegen_1.Name ? data : gen.let("data", data, true);
        dataContextProps(nextData);
        if (propertyName !== void 0)
          subschema.propertyName = propertyName;
      }
      if (dataTypes)
        subschema.dataTypes = dataTypes;
      function dataContextProps(_nextData) {
        subschema.data = _nextData;
        subschema.dataLevel = it.dataLevel + 1;
        subschema.dataTypes = [];
        it.definedProperties = /* @__PURE__ */ new Set();
        subschema.parentData = it.data;
        subschema.dataNames = [...it.dataNames, _nextData];
      }
    }
    exports.extendSubschemaData = extendSubschemaData;
    function extendSubschemaMode(subschema, { jtdDiscriminator, jtdMetadata, compositeRule, createErrors, allErrors }) {
      if (compositeRule !== void 0)
        subschema.compositeRule = compositeRule;
      if (createErrors !== void 0)
        subschema.createErrors = createErrors;
      if (allErrors !== void 0)
        subschema.allErrors = allErrors;
      subschema.jtdDiscriminator = jtdDiscriminator;
      subschema.jtdMetadata = jtdMetadata;
    }
    exports.extendSubschemaMode = extendSubschemaMode;
  }
});

// node_modules/fast-deep-equal/index.js
var require_fast_deep_equal = __commonJS({
  "node_modules/fast-deep-equal/index.js"(exports, module) {
    "use strict";
    module.exports = function equal(a2, b) {
      if (a2 === b) return true;
      if (a2 && b && typeof a2 == "object" && typeof b == "object") {
        if (a2.constructor !== b.constructor) return false;
        var length, i2, keys;
        if (Array.isArray(a2)) {
          length = a2.length;
          if (length != b.length) return false;
          for (i2 = length; i2-- !== 0; )
            if (!equal(a2[i2], b[i2])) return false;
          return true;
        }
        if (a2.constructor === RegExp) return a2.source === b.source && a2.flags === b.flags;
        if (a2.valueOf !== Object.prototype.valueOf) return a2.valueOf() === b.valueOf();
        if (a2.toString !== Object.prototype.toString) return a2.toString() === b.toString();
        keys = Object.keys(a2);
        length = keys.length;
        if (length !== Object.keys(b).length) return false;
        for (i2 = length; i2-- !== 0; )
          if (!Object.prototype.hasOwnProperty.call(b, keys[i2])) return false;
        for (i2 = length; i2-- !== 0; ) {
          var key = keys[i2];
          if (!equal(a2[key], b[key])) return false;
        }
        return true;
      }
      return a2 !== a2 && b !== b;
    };
  }
});

// node_modules/json-schema-traverse/index.js
var require_json_schema_traverse = __commonJS({
  "node_modules/json-schema-traverse/index.js"(exports, module) {
    "use strict";
    var traverse = module.exports = function(schema, opts2, cb) {
      if (typeof opts2 == "function") {
        cb = opts2;
        opts2 = {};
      }
      cb = opts2.cb || cb;
      var pre = typeof cb == "function" ? cb : cb.pre || function() {
      };
      var post = cb.post || function() {
      };
      _traverse(opts2, pre, post, schema, "", schema);
    };
    traverse.keywords = {
      additionalItems: true,
      items: true,
      contains: true,
      additionalProperties: true,
      propertyNames: true,
      not: true,
      if: true,
      then: true,
      else: true
    };
    traverse.arrayKeywords = {
      items: true,
      allOf: true,
      anyOf: true,
      oneOf: true
    };
    traverse.propsKeywords = {
      $defs: true,
      definitions: true,
      properties: true,
      patternProperties: true,
      dependencies: true
    };
    traverse.skipKeywords = {
      default: true,
      enum: true,
      const: true,
      required: true,
      maximum: true,
      minimum: true,
      exclusiveMaximum: true,
      exclusiveMinimum: true,
      multipleOf: true,
      maxLength: true,
      minLength: true,
      pattern: true,
      format: true,
      maxItems: true,
      minItems: true,
      uniqueItems: true,
      maxProperties: true,
      minProperties: true
    };
    function _traverse(opts2, pre, post, schema, jsonPtr, rootSchema, parentJsonPtr, parentKeyword, parentSchema, keyIndex) {
      if (schema && typeof schema == "object" && !Array.isArray(schema)) {
        pre(schema, jsonPtr, rootSchema, parentJsonPtr, parentKeyword, parentSchema, keyIndex);
        for (var key in schema) {
          var sch = schema[key];
          if (Array.isArray(sch)) {
            if (key in traverse.arrayKeywords) {
              for (var i2 = 0; i2 < sch.length; i2++)
                _traverse(opts2, pre, post, sch[i2], jsonPtr + "/" + key + "/" + i2, rootSchema, jsonPtr, key, schema, i2);
            }
          } else if (key in traverse.propsKeywords) {
            if (sch && typeof sch == "object") {
              for (var prop in sch)
                _traverse(opts2, pre, post, sch[prop], jsonPtr + "/" + key + "/" + escapeJsonPtr(prop), rootSchema, jsonPtr, key, schema, prop);
            }
          } else if (key in traverse.keywords || opts2.allKeys && !(key in traverse.skipKeywords)) {
            _traverse(opts2, pre, post, sch, jsonPtr + "/" + key, rootSchema, jsonPtr, key, schema);
          }
        }
        post(schema, jsonPtr, rootSchema, parentJsonPtr, parentKeyword, parentSchema, keyIndex);
      }
    }
    function escapeJsonPtr(str2) {
      return str2.replace(/~/g, "~0").replace(/\//g, "~1");
    }
  }
});

// node_modules/ajv/dist/compile/resolve.js
var require_resolve = __commonJS({
  "node_modules/ajv/dist/compile/resolve.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.getSchemaRefs = exports.resolveUrl = exports.normalizeId = exports._getFullPath = exports.getFullPath = exports.inlineRef = void 0;
    var util_1 = require_util();
    var equal = require_fast_deep_equal();
    var traverse = require_json_schema_traverse();
    var SIMPLE_INLINED = /* @__PURE__ */ new Set([
      "type",
      "format",
      "pattern",
      "maxLength",
      "minLength",
      "maxProperties",
      "minProperties",
      "maxItems",
      "minItems",
      "maximum",
      "minimum",
      "uniqueItems",
      "multipleOf",
      "required",
      "enum",
      "const"
    ]);
    function inlineRef(schema, limit2 = true) {
      if (typeof schema == "boolean")
        return true;
      if (limit2 === true)
        return !hasRef(schema);
      if (!limit2)
        return false;
      return countKeys(schema) <= limit2;
    }
    exports.inlineRef = inlineRef;
    var REF_KEYWORDS = /* @__PURE__ */ new Set([
      "$ref",
      "$recursiveRef",
      "$recursiveAnchor",
      "$dynamicRef",
      "$dynamicAnchor"
    ]);
    function hasRef(schema) {
      for (const key in schema) {
        if (REF_KEYWORDS.has(key))
          return true;
        const sch = schema[key];
        if (Array.isArray(sch) && sch.some(hasRef))
          return true;
        if (typeof sch == "object" && hasRef(sch))
          return true;
      }
      return false;
    }
    function countKeys(schema) {
      let count2 = 0;
      for (const key in schema) {
        if (key === "$ref")
          return Infinity;
        count2++;
        if (SIMPLE_INLINED.has(key))
          continue;
        if (typeof schema[key] == "object") {
          (0, util_1.eachItem)(schema[key], (sch) => count2 += countKeys(sch));
        }
        if (count2 === Infinity)
          return Infinity;
      }
      return count2;
    }
    function getFullPath(resolver, id = "", normalize) {
      if (normalize !== false)
        id = normalizeId(id);
      const p = resolver.parse(id);
      return _getFullPath(resolver, p);
    }
    exports.getFullPath = getFullPath;
    function _getFullPath(resolver, p) {
      const serialized = resolver.serialize(p);
      return serialized.split("#")[0] + "#";
    }
    exports._getFullPath = _getFullPath;
    var TRAILING_SLASH_HASH = /#\/?$/;
    function normalizeId(id) {
      return id ? id.replace(TRAILING_SLASH_HASH, "") : "";
    }
    exports.normalizeId = normalizeId;
    function resolveUrl(resolver, baseId, id) {
      id = normalizeId(id);
      return resolver.resolve(baseId, id);
    }
    exports.resolveUrl = resolveUrl;
    var ANCHOR = /^[a-z_][-a-z0-9._]*$/i;
    function getSchemaRefs(schema, baseId) {
      if (typeof schema == "boolean")
        return {};
      const { schemaId, uriResolver } = this.opts;
      const schId = normalizeId(schema[schemaId] || baseId);
      const baseIds = { "": schId };
      const pathPrefix = getFullPath(uriResolver, schId, false);
      const localRefs = {};
      const schemaRefs = /* @__PURE__ */ new Set();
      traverse(schema, { allKeys: true }, (sch, jsonPtr, _, parentJsonPtr) => {
        if (parentJsonPtr === void 0)
          return;
        const fullPath = pathPrefix + jsonPtr;
        let innerBaseId = baseIds[parentJsonPtr];
        if (typeof sch[schemaId] == "string")
          innerBaseId = addRef.call(this, sch[schemaId]);
        addAnchor.call(this, sch.$anchor);
        addAnchor.call(this, sch.$dynamicAnchor);
        baseIds[jsonPtr] = innerBaseId;
        function addRef(ref) {
          const _resolve = this.opts.uriResolver.resolve;
          ref = normalizeId(innerBaseId ? _resolve(innerBaseId, ref) : ref);
          if (schemaRefs.has(ref))
            throw ambiguos(ref);
          schemaRefs.add(ref);
          let schOrRef = this.refs[ref];
          if (typeof schOrRef == "string")
            schOrRef = this.refs[schOrRef];
          if (typeof schOrRef == "object") {
            checkAmbiguosRef(sch, schOrRef.schema, ref);
          } else if (ref !== normalizeId(fullPath)) {
            if (ref[0] === "#") {
              checkAmbiguosRef(sch, localRefs[ref], ref);
              localRefs[ref] = sch;
            } else {
              this.refs[ref] = fullPath;
            }
          }
          return ref;
        }
        function addAnchor(anchor) {
          if (typeof anchor == "string") {
            if (!ANCHOR.test(anchor))
              throw new Error(`invalid anchor "${anchor}"`);
            addRef.call(this, `#${anchor}`);
          }
        }
      });
      return localRefs;
      function checkAmbiguosRef(sch1, sch2, ref) {
        if (sch2 !== void 0 && !equal(sch1, sch2))
          throw ambiguos(ref);
      }
      function ambiguos(ref) {
        return new Error(`reference "${ref}" resolves to more than one schema`);
      }
    }
    exports.getSchemaRefs = getSchemaRefs;
  }
});

// node_modules/ajv/dist/compile/validate/index.js
var require_validate = __commonJS({
  "node_modules/ajv/dist/compile/validate/index.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.getData = exports.KeywordCxt = exports.validateFunctionCode = void 0;
    var boolSchema_1 = require_boolSchema();
    var dataType_1 = require_dataType();
    var applicability_1 = require_applicability();
    var dataType_2 = require_dataType();
    var defaults_1 = require_defaults();
    var keyword_1 = require_keyword();
    var subschema_1 = require_subschema();
    var codegen_1 = require_codegen();
    var names_1 = require_names();
    var resolve_1 = require_resolve();
    var util_1 = require_util();
    var errors_1 = require_errors();
    function validateFunctionCode(it) {
      if (isSchemaObj(it)) {
        checkKeywords(it);
        if (schemaCxtHasRules(it)) {
          topSchemaObjCode(it);
          return;
        }
      }
      validateFunction(it, () => (0, boolSchema_1.topBoolOrEmptySchema)(it));
    }
    exports.validateFunctionCode = validateFunctionCode;
    function validateFunction({ gen, validateName, schema, schemaEnv, opts: opts2 }, body) {
      if (opts2.code.es5) {
        gen.func(validateName, (0, codegen_1._)`${names_1.default.data}, ${names_1.default.valCxt}`, schemaEnv.$async, () => {
          gen.code((0, codegen_1._)`"use strict"; ${funcSourceUrl(schema, opts2)}`);
          destructureValCxtES5(gen, opts2);
          gen.code(body);
        });
      } else {
        gen.func(validateName, (0, codegen_1._)`${names_1.default.data}, ${destructureValCxt(opts2)}`, schemaEnv.$async, () => gen.code(funcSourceUrl(schema, opts2)).code(body));
      }
    }
    function destructureValCxt(opts2) {
      return (0, codegen_1._)`{${names_1.default.instancePath}="", ${names_1.default.parentData}, ${names_1.default.parentDataProperty}, ${names_1.default.rootData}=${names_1.default.data}${opts2.dynamicRef ? (0, codegen_1._)`, ${names_1.default.dynamicAnchors}={}` : codegen_1.nil}}={}`;
    }
    function destructureValCxtES5(gen, opts2) {
      gen.if(names_1.default.valCxt, () => {
        gen.var(names_1.default.instancePath, (0, codegen_1._)`${names_1.default.valCxt}.${names_1.default.instancePath}`);
        gen.var(names_1.default.parentData, (0, codegen_1._)`${names_1.default.valCxt}.${names_1.default.parentData}`);
        gen.var(names_1.default.parentDataProperty, (0, codegen_1._)`${names_1.default.valCxt}.${names_1.default.parentDataProperty}`);
        gen.var(names_1.default.rootData, (0, codegen_1._)`${names_1.default.valCxt}.${names_1.default.rootData}`);
        if (opts2.dynamicRef)
          gen.var(names_1.default.dynamicAnchors, (0, codegen_1._)`${names_1.default.valCxt}.${names_1.default.dynamicAnchors}`);
      }, () => {
        gen.var(names_1.default.instancePath, (0, codegen_1._)`""`);
        gen.var(names_1.default.parentData, (0, codegen_1._)`undefined`);
        gen.var(names_1.default.parentDataProperty, (0, codegen_1._)`undefined`);
        gen.var(names_1.default.rootData, names_1.default.data);
        if (opts2.dynamicRef)
          gen.var(names_1.default.dynamicAnchors, (0, codegen_1._)`{}`);
      });
    }
    function topSchemaObjCode(it) {
      const { schema, opts: opts2, gen } = it;
      validateFunction(it, () => {
        if (opts2.$comment && schema.$comment)
          commentKeyword(it);
        checkNoDefault(it);
        gen.let(names_1.default.vErrors, null);
        gen.let(names_1.default.errors, 0);
        if (opts2.unevaluated)
          resetEvaluated(it);
        typeAndKeywords(it);
        returnResults(it);
      });
      return;
    }
    function resetEvaluated(it) {
      const { gen, validateName } = it;
      it.evaluated = gen.const("evaluated", (0, codegen_1._)`${validateName}.evaluated`);
      gen.if((0, codegen_1._)`${it.evaluated}.dynamicProps`, () => gen.assign((0, codegen_1._)`${it.evaluated}.props`, (0, codegen_1._)`undefined`));
      gen.if((0, codegen_1._)`${it.evaluated}.dynamicItems`, () => gen.assign((0, codegen_1._)`${it.evaluated}.items`, (0, codegen_1._)`undefined`));
    }
    function funcSourceUrl(schema, opts2) {
      const schId = typeof schema == "object" && schema[opts2.schemaId];
      return schId && (opts2.code.source || opts2.code.process) ? (0, codegen_1._)`/*# sourceURL=${schId} */` : codegen_1.nil;
    }
    function subschemaCode(it, valid) {
      if (isSchemaObj(it)) {
        checkKeywords(it);
        if (schemaCxtHasRules(it)) {
          subSchemaObjCode(it, valid);
          return;
        }
      }
      (0, boolSchema_1.boolOrEmptySchema)(it, valid);
    }
    function schemaCxtHasRules({ schema, self: self2 }) {
      if (typeof schema == "boolean")
        return !schema;
      for (const key in schema)
        if (self2.RULES.all[key])
          return true;
      return false;
    }
    function isSchemaObj(it) {
      return typeof it.schema != "boolean";
    }
    function subSchemaObjCode(it, valid) {
      const { schema, gen, opts: opts2 } = it;
      if (opts2.$comment && schema.$comment)
        commentKeyword(it);
      updateContext(it);
      checkAsyncSchema(it);
      const errsCount = gen.const("_errs", names_1.default.errors);
      typeAndKeywords(it, errsCount);
      gen.var(valid, (0, codegen_1._)`${errsCount} === ${names_1.default.errors}`);
    }
    function checkKeywords(it) {
      (0, util_1.checkUnknownRules)(it);
      checkRefsAndKeywords(it);
    }
    function typeAndKeywords(it, errsCount) {
      if (it.opts.jtd)
        return schemaKeywords(it, [], false, errsCount);
      const types = (0, dataType_1.getSchemaTypes)(it.schema);
      const checkedTypes = (0, dataType_1.coerceAndCheckDataType)(it, types);
      schemaKeywords(it, types, !checkedTypes, errsCount);
    }
    function checkRefsAndKeywords(it) {
      const { schema, errSchemaPath, opts: opts2, self: self2 } = it;
      if (schema.$ref && opts2.ignoreKeywordsWithRef && (0, util_1.schemaHasRulesButRef)(schema, self2.RULES)) {
        self2.logger.warn(`$ref: keywords ignored in schema at path "${errSchemaPath}"`);
      }
    }
    function checkNoDefault(it) {
      const { schema, opts: opts2 } = it;
      if (schema.default !== void 0 && opts2.useDefaults && opts2.strictSchema) {
        (0, util_1.checkStrictMode)(it, "default is ignored in the schema root");
      }
    }
    function updateContext(it) {
      const schId = it.schema[it.opts.schemaId];
      if (schId)
        it.baseId = (0, resolve_1.resolveUrl)(it.opts.uriResolver, it.baseId, schId);
    }
    function checkAsyncSchema(it) {
      if (it.schema.$async && !it.schemaEnv.$async)
        throw new Error("async schema in sync schema");
    }
    function commentKeyword({ gen, schemaEnv, schema, errSchemaPath, opts: opts2 }) {
      const msg = schema.$comment;
      if (opts2.$comment === true) {
        gen.code((0, codegen_1._)`${names_1.default.self}.logger.log(${msg})`);
      } else if (typeof opts2.$comment == "function") {
        const schemaPath = (0, codegen_1.str)`${errSchemaPath}/$comment`;
        const rootName = gen.scopeValue("root", { ref: schemaEnv.root });
        gen.code((0, codegen_1._)`${names_1.default.self}.opts.$comment(${msg}, ${schemaPath}, ${rootName}.schema)`);
      }
    }
    function returnResults(it) {
      const { gen, schemaEnv, validateName, ValidationError, opts: opts2 } = it;
      if (schemaEnv.$async) {
        gen.if((0, codegen_1._)`${names_1.default.errors} === 0`, () => gen.return(names_1.default.data), () => gen.throw((0, codegen_1._)`new ${ValidationError}(${names_1.default.vErrors})`));
      } else {
        gen.assign((0, codegen_1._)`${validateName}.errors`, names_1.default.vErrors);
        if (opts2.unevaluated)
          assignEvaluated(it);
        gen.return((0, codegen_1._)`${names_1.default.errors} === 0`);
      }
    }
    function assignEvaluated({ gen, evaluated, props, items }) {
      if (props instanceof codegen_1.Name)
        gen.assign((0, codegen_1._)`${evaluated}.props`, props);
      if (items instanceof codegen_1.Name)
        gen.assign((0, codegen_1._)`${evaluated}.items`, items);
    }
    function schemaKeywords(it, types, typeErrors, errsCount) {
      const { gen, schema, data, allErrors, opts: opts2, self: self2 } = it;
      const { RULES } = self2;
      if (schema.$ref && (opts2.ignoreKeywordsWithRef || !(0, util_1.schemaHasRulesButRef)(schema, RULES))) {
        gen.block(() => keywordCode(it, "$ref", RULES.all.$ref.definition));
        return;
      }
      if (!opts2.jtd)
        checkStrictTypes(it, types);
      gen.block(() => {
        for (const group of RULES.rules)
          groupKeywords(group);
        groupKeywords(RULES.post);
      });
      function groupKeywords(group) {
        if (!(0, applicability_1.shouldUseGroup)(schema, group))
          return;
        if (group.type) {
          gen.if((0, dataType_2.checkDataType)(group.type, data, opts2.strictNumbers));
          iterateKeywords(it, group);
          if (types.length === 1 && types[0] === group.type && typeErrors) {
            gen.else();
            (0, dataType_2.reportTypeError)(it);
          }
          gen.endIf();
        } else {
          iterateKeywords(it, group);
        }
        if (!allErrors)
          gen.if((0, codegen_1._)`${names_1.default.errors} === ${errsCount || 0}`);
      }
    }
    function iterateKeywords(it, group) {
      const { gen, schema, opts: { useDefaults } } = it;
      if (useDefaults)
        (0, defaults_1.assignDefaults)(it, group.type);
      gen.block(() => {
        for (const rule of group.rules) {
          if ((0, applicability_1.shouldUseRule)(schema, rule)) {
            keywordCode(it, rule.keyword, rule.definition, group.type);
          }
        }
      });
    }
    function checkStrictTypes(it, types) {
      if (it.schemaEnv.meta || !it.opts.strictTypes)
        return;
      checkContextTypes(it, types);
      if (!it.opts.allowUnionTypes)
        checkMultipleTypes(it, types);
      checkKeywordTypes(it, it.dataTypes);
    }
    function checkContextTypes(it, types) {
      if (!types.length)
        return;
      if (!it.dataTypes.length) {
        it.dataTypes = types;
        return;
      }
      types.forEach((t) => {
        if (!includesType(it.dataTypes, t)) {
          strictTypesError(it, `type "${t}" not allowed by context "${it.dataTypes.join(",")}"`);
        }
      });
      narrowSchemaTypes(it, types);
    }
    function checkMultipleTypes(it, ts) {
      if (ts.length > 1 && !(ts.length === 2 && ts.includes("null"))) {
        strictTypesError(it, "use allowUnionTypes to allow union type keyword");
      }
    }
    function checkKeywordTypes(it, ts) {
      const rules = it.self.RULES.all;
      for (const keyword in rules) {
        const rule = rules[keyword];
        if (typeof rule == "object" && (0, applicability_1.shouldUseRule)(it.schema, rule)) {
          const { type } = rule.definition;
          if (type.length && !type.some((t) => hasApplicableType(ts, t))) {
            strictTypesError(it, `missing type "${type.join(",")}" for keyword "${keyword}"`);
          }
        }
      }
    }
    function hasApplicableType(schTs, kwdT) {
      return schTs.includes(kwdT) || kwdT === "number" && schTs.includes("integer");
    }
    function includesType(ts, t) {
      return ts.includes(t) || t === "integer" && ts.includes("number");
    }
    function narrowSchemaTypes(it, withTypes) {
      const ts = [];
      for (const t of it.dataTypes) {
        if (includesType(withTypes, t))
          ts.push(t);
        else if (withTypes.includes("integer") && t === "number")
          ts.push("integer");
      }
      it.dataTypes = ts;
    }
    function strictTypesError(it, msg) {
      const schemaPath = it.schemaEnv.baseId + it.errSchemaPath;
      msg += ` at "${schemaPath}" (strictTypes)`;
      (0, util_1.checkStrictMode)(it, msg, it.opts.strictTypes);
    }
    var KeywordCxt = class {
      constructor(it, def, keyword) {
        (0, keyword_1.validateKeywordUsage)(it, def, keyword);
        this.gen = it.gen;
        this.allErrors = it.allErrors;
        this.keyword = keyword;
        this.data = it.data;
        this.schema = it.schema[keyword];
        this.$data = def.$data && it.opts.$data && this.schema && this.schema.$data;
        this.schemaValue = (0, util_1.schemaRefOrVal)(it, this.schema, keyword, this.$data);
        this.schemaType = def.schemaType;
        this.parentSchema = it.schema;
        this.params = {};
        this.it = it;
        this.def = def;
        if (this.$data) {
          this.schemaCode = it.gen.const("vSchema", getData(this.$data, it));
        } else {
          this.schemaCode = this.schemaValue;
          if (!(0, keyword_1.validSchemaType)(this.schema, def.schemaType, def.allowUndefined)) {
            throw new Error(`${keyword} value must be ${JSON.stringify(def.schemaType)}`);
          }
        }
        if ("code" in def ? def.trackErrors : def.errors !== false) {
          this.errsCount = it.gen.const("_errs", names_1.default.errors);
        }
      }
      result(condition, successAction, failAction) {
        this.failResult((0, codegen_1.not)(condition), successAction, failAction);
      }
      failResult(condition, successAction, failAction) {
        this.gen.if(condition);
        if (failAction)
          failAction();
        else
          this.error();
        if (successAction) {
          this.gen.else();
          successAction();
          if (this.allErrors)
            this.gen.endIf();
        } else {
          if (this.allErrors)
            this.gen.endIf();
          else
            this.gen.else();
        }
      }
      pass(condition, failAction) {
        this.failResult((0, codegen_1.not)(condition), void 0, failAction);
      }
      fail(condition) {
        if (condition === void 0) {
          this.error();
          if (!this.allErrors)
            this.gen.if(false);
          return;
        }
        this.gen.if(condition);
        this.error();
        if (this.allErrors)
          this.gen.endIf();
        else
          this.gen.else();
      }
      fail$data(condition) {
        if (!this.$data)
          return this.fail(condition);
        const { schemaCode } = this;
        this.fail((0, codegen_1._)`${schemaCode} !== undefined && (${(0, codegen_1.or)(this.invalid$data(), condition)})`);
      }
      error(append, errorParams, errorPaths) {
        if (errorParams) {
          this.setParams(errorParams);
          this._error(append, errorPaths);
          this.setParams({});
          return;
        }
        this._error(append, errorPaths);
      }
      _error(append, errorPaths) {
        ;
        (append ? errors_1.reportExtraError : errors_1.reportError)(this, this.def.error, errorPaths);
      }
      $dataError() {
        (0, errors_1.reportError)(this, this.def.$dataError || errors_1.keyword$DataError);
      }
      reset() {
        if (this.errsCount === void 0)
          throw new Error('add "trackErrors" to keyword definition');
        (0, errors_1.resetErrorsCount)(this.gen, this.errsCount);
      }
      ok(cond) {
        if (!this.allErrors)
          this.gen.if(cond);
      }
      setParams(obj3, assign) {
        if (assign)
          Object.assign(this.params, obj3);
        else
          this.params = obj3;
      }
      block$data(valid, codeBlock, $dataValid = codegen_1.nil) {
        this.gen.block(() => {
          this.check$data(valid, $dataValid);
          codeBlock();
        });
      }
      check$data(valid = codegen_1.nil, $dataValid = codegen_1.nil) {
        if (!this.$data)
          return;
        const { gen, schemaCode, schemaType, def } = this;
        gen.if((0, codegen_1.or)((0, codegen_1._)`${schemaCode} === undefined`, $dataValid));
        if (valid !== codegen_1.nil)
          gen.assign(valid, true);
        if (schemaType.length || def.validateSchema) {
          gen.elseIf(this.invalid$data());
          this.$dataError();
          if (valid !== codegen_1.nil)
            gen.assign(valid, false);
        }
        gen.else();
      }
      invalid$data() {
        const { gen, schemaCode, schemaType, def, it } = this;
        return (0, codegen_1.or)(wrong$DataType(), invalid$DataSchema());
        function wrong$DataType() {
          if (schemaType.length) {
            if (!(schemaCode instanceof codegen_1.Name))
              throw new Error("ajv implementation error");
            const st = Array.isArray(schemaType) ? schemaType : [schemaType];
            return (0, codegen_1._)`${(0, dataType_2.checkDataTypes)(st, schemaCode, it.opts.strictNumbers, dataType_2.DataType.Wrong)}`;
          }
          return codegen_1.nil;
        }
        function invalid$DataSchema() {
          if (def.validateSchema) {
            const validateSchemaRef = gen.scopeValue("validate$data", { ref: def.validateSchema });
            return (0, codegen_1._)`!${validateSchemaRef}(${schemaCode})`;
          }
          return codegen_1.nil;
        }
      }
      subschema(appl, valid) {
        const subschema = (0, subschema_1.getSubschema)(this.it, appl);
        (0, subschema_1.extendSubschemaData)(subschema, this.it, appl);
        (0, subschema_1.extendSubschemaMode)(subschema, appl);
        const nextContext = { ...this.it, ...subschema, items: void 0, props: void 0 };
        subschemaCode(nextContext, valid);
        return nextContext;
      }
      mergeEvaluated(schemaCxt, toName) {
        const { it, gen } = this;
        if (!it.opts.unevaluated)
          return;
        if (it.props !== true && schemaCxt.props !== void 0) {
          it.props = util_1.mergeEvaluated.props(gen, schemaCxt.props, it.props, toName);
        }
        if (it.items !== true && schemaCxt.items !== void 0) {
          it.items = util_1.mergeEvaluated.items(gen, schemaCxt.items, it.items, toName);
        }
      }
      mergeValidEvaluated(schemaCxt, valid) {
        const { it, gen } = this;
        if (it.opts.unevaluated && (it.props !== true || it.items !== true)) {
          gen.if(valid, () => this.mergeEvaluated(schemaCxt, codegen_1.Name));
          return true;
        }
      }
    };
    exports.KeywordCxt = KeywordCxt;
    function keywordCode(it, keyword, def, ruleType) {
      const cxt = new KeywordCxt(it, def, keyword);
      if ("code" in def) {
        def.code(cxt, ruleType);
      } else if (cxt.$data && def.validate) {
        (0, keyword_1.funcKeywordCode)(cxt, def);
      } else if ("macro" in def) {
        (0, keyword_1.macroKeywordCode)(cxt, def);
      } else if (def.compile || def.validate) {
        (0, keyword_1.funcKeywordCode)(cxt, def);
      }
    }
    var JSON_POINTER = /^\/(?:[^~]|~0|~1)*$/;
    var RELATIVE_JSON_POINTER = /^([0-9]+)(#|\/(?:[^~]|~0|~1)*)?$/;
    function getData($data, { dataLevel, dataNames, dataPathArr }) {
      let jsonPointer;
      let data;
      if ($data === "")
        return names_1.default.rootData;
      if ($data[0] === "/") {
        if (!JSON_POINTER.test($data))
          throw new Error(`Invalid JSON-pointer: ${$data}`);
        jsonPointer = $data;
        data = names_1.default.rootData;
      } else {
        const matches = RELATIVE_JSON_POINTER.exec($data);
        if (!matches)
          throw new Error(`Invalid JSON-pointer: ${$data}`);
        const up = +matches[1];
        jsonPointer = matches[2];
        if (jsonPointer === "#") {
          if (up >= dataLevel)
            throw new Error(errorMsg("property/index", up));
          return dataPathArr[dataLevel - up];
        }
        if (up > dataLevel)
          throw new Error(errorMsg("data", up));
        data = dataNames[dataLevel - up];
        if (!jsonPointer)
          return data;
      }
      let expr = data;
      const segments = jsonPointer.split("/");
      for (const segment of segments) {
        if (segment) {
          data = (0, codegen_1._)`${data}${(0, codegen_1.getProperty)((0, util_1.unescapeJsonPointer)(segment))}`;
          expr = (0, codegen_1._)`${expr} && ${data}`;
        }
      }
      return expr;
      function errorMsg(pointerType, up) {
        return `Cannot access ${pointerType} ${up} levels up, current level is ${dataLevel}`;
      }
    }
    exports.getData = getData;
  }
});

// node_modules/ajv/dist/runtime/validation_error.js
var require_validation_error = __commonJS({
  "node_modules/ajv/dist/runtime/validation_error.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var ValidationError = class extends Error {
      constructor(errors) {
        super("validation failed");
        this.errors = errors;
        this.ajv = this.validation = true;
      }
    };
    exports.default = ValidationError;
  }
});

// node_modules/ajv/dist/compile/ref_error.js
var require_ref_error = __commonJS({
  "node_modules/ajv/dist/compile/ref_error.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var resolve_1 = require_resolve();
    var MissingRefError = class extends Error {
      constructor(resolver, baseId, ref, msg) {
        super(msg || `can't resolve reference ${ref} from id ${baseId}`);
        this.missingRef = (0, resolve_1.resolveUrl)(resolver, baseId, ref);
        this.missingSchema = (0, resolve_1.normalizeId)((0, resolve_1.getFullPath)(resolver, this.missingRef));
      }
    };
    exports.default = MissingRefError;
  }
});

// node_modules/ajv/dist/compile/index.js
var require_compile = __commonJS({
  "node_modules/ajv/dist/compile/index.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.resolveSchema = exports.getCompilingSchema = exports.resolveRef = exports.compileSchema = exports.SchemaEnv = void 0;
    var codegen_1 = require_codegen();
    var validation_error_1 = require_validation_error();
    var names_1 = require_names();
    var resolve_1 = require_resolve();
    var util_1 = require_util();
    var validate_1 = require_validate();
    var SchemaEnv = class {
      constructor(env) {
        var _a;
        this.refs = {};
        this.dynamicAnchors = {};
        let schema;
        if (typeof env.schema == "object")
          schema = env.schema;
        this.schema = env.schema;
        this.schemaId = env.schemaId;
        this.root = env.root || this;
        this.baseId = (_a = env.baseId) !== null && _a !== void 0 ? _a : (0, resolve_1.normalizeId)(schema === null || schema === void 0 ? void 0 : schema[env.schemaId || "$id"]);
        this.schemaPath = env.schemaPath;
        this.localRefs = env.localRefs;
        this.meta = env.meta;
        this.$async = schema === null || schema === void 0 ? void 0 : schema.$async;
        this.refs = {};
      }
    };
    exports.SchemaEnv = SchemaEnv;
    function compileSchema(sch) {
      const _sch = getCompilingSchema.call(this, sch);
      if (_sch)
        return _sch;
      const rootId = (0, resolve_1.getFullPath)(this.opts.uriResolver, sch.root.baseId);
      const { es5, lines } = this.opts.code;
      const { ownProperties } = this.opts;
      const gen = new codegen_1.CodeGen(this.scope, { es5, lines, ownProperties });
      let _ValidationError;
      if (sch.$async) {
        _ValidationError = gen.scopeValue("Error", {
          ref: validation_error_1.default,
          code: (0, codegen_1._)`require("ajv/dist/runtime/validation_error").default`
        });
      }
      const validateName = gen.scopeName("validate");
      sch.validateName = validateName;
      const schemaCxt = {
        gen,
        allErrors: this.opts.allErrors,
        data: names_1.default.data,
        parentData: names_1.default.parentData,
        parentDataProperty: names_1.default.parentDataProperty,
        dataNames: [names_1.default.data],
        dataPathArr: [codegen_1.nil],
        // TODO can its length be used as dataLevel if nil is removed?
        dataLevel: 0,
        dataTypes: [],
        definedProperties: /* @__PURE__ */ new Set(),
        topSchemaRef: gen.scopeValue("schema", this.opts.code.source === true ? { ref: sch.schema, code: (0, codegen_1.stringify)(sch.schema) } : { ref: sch.schema }),
        validateName,
        ValidationError: _ValidationError,
        schema: sch.schema,
        schemaEnv: sch,
        rootId,
        baseId: sch.baseId || rootId,
        schemaPath: codegen_1.nil,
        errSchemaPath: sch.schemaPath || (this.opts.jtd ? "" : "#"),
        errorPath: (0, codegen_1._)`""`,
        opts: this.opts,
        self: this
      };
      let sourceCode;
      try {
        this._compilations.add(sch);
        (0, validate_1.validateFunctionCode)(schemaCxt);
        gen.optimize(this.opts.code.optimize);
        const validateCode = gen.toString();
        sourceCode = `${gen.scopeRefs(names_1.default.scope)}return ${validateCode}`;
        if (this.opts.code.process)
          sourceCode = this.opts.code.process(sourceCode, sch);
        const makeValidate = new Function(`${names_1.default.self}`, `${names_1.default.scope}`, sourceCode);
        const validate = makeValidate(this, this.scope.get());
        this.scope.value(validateName, { ref: validate });
        validate.errors = null;
        validate.schema = sch.schema;
        validate.schemaEnv = sch;
        if (sch.$async)
          validate.$async = true;
        if (this.opts.code.source === true) {
          validate.source = { validateName, validateCode, scopeValues: gen._values };
        }
        if (this.opts.unevaluated) {
          const { props, items } = schemaCxt;
          validate.evaluated = {
            props: props instanceof codegen_1.Name ? void 0 : props,
            items: items instanceof codegen_1.Name ? void 0 : items,
            dynamicProps: props instanceof codegen_1.Name,
            dynamicItems: items instanceof codegen_1.Name
          };
          if (validate.source)
            validate.source.evaluated = (0, codegen_1.stringify)(validate.evaluated);
        }
        sch.validate = validate;
        return sch;
      } catch (e) {
        delete sch.validate;
        delete sch.validateName;
        if (sourceCode)
          this.logger.error("Error compiling schema, function code:", sourceCode);
        throw e;
      } finally {
        this._compilations.delete(sch);
      }
    }
    exports.compileSchema = compileSchema;
    function resolveRef(root, baseId, ref) {
      var _a;
      ref = (0, resolve_1.resolveUrl)(this.opts.uriResolver, baseId, ref);
      const schOrFunc = root.refs[ref];
      if (schOrFunc)
        return schOrFunc;
      let _sch = resolve2.call(this, root, ref);
      if (_sch === void 0) {
        const schema = (_a = root.localRefs) === null || _a === void 0 ? void 0 : _a[ref];
        const { schemaId } = this.opts;
        if (schema)
          _sch = new SchemaEnv({ schema, schemaId, root, baseId });
      }
      if (_sch === void 0)
        return;
      return root.refs[ref] = inlineOrCompile.call(this, _sch);
    }
    exports.resolveRef = resolveRef;
    function inlineOrCompile(sch) {
      if ((0, resolve_1.inlineRef)(sch.schema, this.opts.inlineRefs))
        return sch.schema;
      return sch.validate ? sch : compileSchema.call(this, sch);
    }
    function getCompilingSchema(schEnv) {
      for (const sch of this._compilations) {
        if (sameSchemaEnv(sch, schEnv))
          return sch;
      }
    }
    exports.getCompilingSchema = getCompilingSchema;
    function sameSchemaEnv(s1, s2) {
      return s1.schema === s2.schema && s1.root === s2.root && s1.baseId === s2.baseId;
    }
    function resolve2(root, ref) {
      let sch;
      while (typeof (sch = this.refs[ref]) == "string")
        ref = sch;
      return sch || this.schemas[ref] || resolveSchema.call(this, root, ref);
    }
    function resolveSchema(root, ref) {
      const p = this.opts.uriResolver.parse(ref);
      const refPath = (0, resolve_1._getFullPath)(this.opts.uriResolver, p);
      let baseId = (0, resolve_1.getFullPath)(this.opts.uriResolver, root.baseId, void 0);
      if (Object.keys(root.schema).length > 0 && refPath === baseId) {
        return getJsonPointer.call(this, p, root);
      }
      const id = (0, resolve_1.normalizeId)(refPath);
      const schOrRef = this.refs[id] || this.schemas[id];
      if (typeof schOrRef == "string") {
        const sch = resolveSchema.call(this, root, schOrRef);
        if (typeof (sch === null || sch === void 0 ? void 0 : sch.schema) !== "object")
          return;
        return getJsonPointer.call(this, p, sch);
      }
      if (typeof (schOrRef === null || schOrRef === void 0 ? void 0 : schOrRef.schema) !== "object")
        return;
      if (!schOrRef.validate)
        compileSchema.call(this, schOrRef);
      if (id === (0, resolve_1.normalizeId)(ref)) {
        const { schema } = schOrRef;
        const { schemaId } = this.opts;
        const schId = schema[schemaId];
        if (schId)
          baseId = (0, resolve_1.resolveUrl)(this.opts.uriResolver, baseId, schId);
        return new SchemaEnv({ schema, schemaId, root, baseId });
      }
      return getJsonPointer.call(this, p, schOrRef);
    }
    exports.resolveSchema = resolveSchema;
    var PREVENT_SCOPE_CHANGE = /* @__PURE__ */ new Set([
      "properties",
      "patternProperties",
      "enum",
      "dependencies",
      "definitions"
    ]);
    function getJsonPointer(parsedRef, { baseId, schema, root }) {
      var _a;
      if (((_a = parsedRef.fragment) === null || _a === void 0 ? void 0 : _a[0]) !== "/")
        return;
      for (const part of parsedRef.fragment.slice(1).split("/")) {
        if (typeof schema === "boolean")
          return;
        const partSchema = schema[(0, util_1.unescapeFragment)(part)];
        if (partSchema === void 0)
          return;
        schema = partSchema;
        const schId = typeof schema === "object" && schema[this.opts.schemaId];
        if (!PREVENT_SCOPE_CHANGE.has(part) && schId) {
          baseId = (0, resolve_1.resolveUrl)(this.opts.uriResolver, baseId, schId);
        }
      }
      let env;
      if (typeof schema != "boolean" && schema.$ref && !(0, util_1.schemaHasRulesButRef)(schema, this.RULES)) {
        const $ref = (0, resolve_1.resolveUrl)(this.opts.uriResolver, baseId, schema.$ref);
        env = resolveSchema.call(this, root, $ref);
      }
      const { schemaId } = this.opts;
      env = env || new SchemaEnv({ schema, schemaId, root, baseId });
      if (env.schema !== env.root.schema)
        return env;
      return void 0;
    }
  }
});

// node_modules/ajv/dist/refs/data.json
var require_data = __commonJS({
  "node_modules/ajv/dist/refs/data.json"(exports, module) {
    module.exports = {
      $id: "https://raw.githubusercontent.com/ajv-validator/ajv/master/lib/refs/data.json#",
      description: "Meta-schema for $data reference (JSON AnySchema extension proposal)",
      type: "object",
      required: ["$data"],
      properties: {
        $data: {
          type: "string",
          anyOf: [{ format: "relative-json-pointer" }, { format: "json-pointer" }]
        }
      },
      additionalProperties: false
    };
  }
});

// node_modules/fast-uri/lib/utils.js
var require_utils = __commonJS({
  "node_modules/fast-uri/lib/utils.js"(exports, module) {
    "use strict";
    var isUUID = RegExp.prototype.test.bind(/^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/iu);
    var isIPv4 = RegExp.prototype.test.bind(/^(?:(?:25[0-5]|2[0-4]\d|1\d{2}|[1-9]\d|\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d{2}|[1-9]\d|\d)$/u);
    var isPort = RegExp.prototype.test.bind(/^\d*$/u);
    var isHexPair = RegExp.prototype.test.bind(/^[\da-f]{2}$/iu);
    var isUnreserved = RegExp.prototype.test.bind(/^[\da-z\-._~]$/iu);
    var isPathCharacter = RegExp.prototype.test.bind(/^[A-Za-z0-9\-._~!$&'()*+,;=:@/]$/u);
    var isQueryFragmentCharacter = RegExp.prototype.test.bind(/^[A-Za-z0-9\-._~!$&'()*+,;=:@/?]$/u);
    var isUserinfoCharacter = RegExp.prototype.test.bind(/^[A-Za-z0-9\-._~!$&'()*+,;=:]$/u);
    var BYTE_HEX = new Array(256);
    {
      const HEX_DIGITS = "0123456789ABCDEF";
      for (let i2 = 0; i2 < 256; i2++) {
        BYTE_HEX[i2] = "%" + HEX_DIGITS[i2 >> 4] + HEX_DIGITS[i2 & 15];
      }
    }
    function percentEncodeNonAscii(cp) {
      if (cp < 2048) {
        return BYTE_HEX[192 | cp >> 6] + BYTE_HEX[128 | cp & 63];
      }
      if (cp < 65536) {
        return BYTE_HEX[224 | cp >> 12] + BYTE_HEX[128 | cp >> 6 & 63] + BYTE_HEX[128 | cp & 63];
      }
      return BYTE_HEX[240 | cp >> 18] + BYTE_HEX[128 | cp >> 12 & 63] + BYTE_HEX[128 | cp >> 6 & 63] + BYTE_HEX[128 | cp & 63];
    }
    function stringArrayToHexStripped(input2) {
      let acc = "";
      let code = 0;
      let i2 = 0;
      for (i2 = 0; i2 < input2.length; i2++) {
        code = input2[i2].charCodeAt(0);
        if (code === 48) {
          continue;
        }
        if (!(code >= 48 && code <= 57 || code >= 65 && code <= 70 || code >= 97 && code <= 102)) {
          return "";
        }
        acc += input2[i2];
        break;
      }
      for (i2 += 1; i2 < input2.length; i2++) {
        code = input2[i2].charCodeAt(0);
        if (!(code >= 48 && code <= 57 || code >= 65 && code <= 70 || code >= 97 && code <= 102)) {
          return "";
        }
        acc += input2[i2];
      }
      return acc;
    }
    var isHextet = RegExp.prototype.test.bind(/^[\dA-Fa-f]{1,4}$/);
    var isIPvFuture = RegExp.prototype.test.bind(/^[vV][\dA-Fa-f]+\.[A-Za-z\d\-._~!$&'()*+,;=:]+$/);
    var isZoneCharacter = RegExp.prototype.test.bind(/^[A-Za-z\d\-._~]$/);
    var nonSimpleDomain = RegExp.prototype.test.bind(/[^!"$&'()*+,\-.;=_`a-z{}~]/u);
    function isZoneIdentifier(zone) {
      if (zone.length === 0) return false;
      for (let i2 = 0; i2 < zone.length; i2++) {
        if (isZoneCharacter(zone[i2])) continue;
        if (zone[i2] === "%" && i2 + 2 < zone.length && isHexPair(zone.slice(i2 + 1, i2 + 3))) {
          i2 += 2;
          continue;
        }
        return false;
      }
      return true;
    }
    function compressIPv6ZeroRun(hextets) {
      let bestStart = -1;
      let bestLength = 0;
      let runStart = -1;
      let runLength = 0;
      for (let i2 = 0; i2 < hextets.length; i2++) {
        if (hextets[i2] === "0") {
          if (runStart === -1) runStart = i2;
          runLength++;
          if (runLength > bestLength) {
            bestLength = runLength;
            bestStart = runStart;
          }
        } else {
          runStart = -1;
          runLength = 0;
        }
      }
      if (bestLength < 2) return hextets.join(":");
      const head = hextets.slice(0, bestStart).join(":");
      const tail = hextets.slice(bestStart + bestLength).join(":");
      return head + "::" + tail;
    }
    function normalizeIPv6Address(input2) {
      const compression = input2.indexOf("::");
      if (compression !== -1 && input2.indexOf("::", compression + 1) !== -1) return void 0;
      const left = compression === -1 ? input2.split(":") : input2.slice(0, compression).split(":");
      const right = compression === -1 ? [] : input2.slice(compression + 2).split(":");
      if (compression !== -1) {
        if (left.length === 1 && left[0] === "") left.length = 0;
        if (right.length === 1 && right[0] === "") right.length = 0;
      }
      const parts = left.concat(right);
      let hextetCount = 0;
      for (let i2 = 0; i2 < parts.length; i2++) {
        const part = parts[i2];
        if (part === "") return void 0;
        if (part.indexOf(".") !== -1) {
          if (i2 !== parts.length - 1 || compression !== -1 && right.length === 0 || !isIPv4(part)) return void 0;
          hextetCount += 2;
          continue;
        }
        if (!isHextet(part)) return void 0;
        parts[i2] = parseInt(part, 16).toString(16);
        hextetCount++;
      }
      if (compression === -1) {
        if (hextetCount !== 8) return void 0;
        return compressIPv6ZeroRun(parts);
      }
      if (hextetCount >= 8) return void 0;
      const expanded = parts.slice(0, left.length);
      for (let i2 = hextetCount; i2 < 8; i2++) expanded.push("0");
      for (let i2 = left.length; i2 < parts.length; i2++) expanded.push(parts[i2]);
      return compressIPv6ZeroRun(expanded);
    }
    function normalizeIPv6(host) {
      const bracketed = host[0] === "[" && host[host.length - 1] === "]";
      const hasBracket = host[0] === "[" || host[host.length - 1] === "]";
      if (hasBracket && !bracketed) return { host, isIPV6: false, error: true };
      let input2 = bracketed ? host.slice(1, -1) : host;
      if (bracketed && isIPvFuture(input2)) {
        input2 = input2.toLowerCase();
        return { host: `[${input2}]`, escapedHost: input2, isIPV6: false, isIPVFuture: true };
      }
      if (findToken(input2, ":") < 2) {
        return { host, isIPV6: false, error: bracketed };
      }
      let zoneIdentifier = "";
      const zoneSeparator = input2.indexOf("%");
      if (zoneSeparator !== -1) {
        const separatorLength = input2.slice(zoneSeparator, zoneSeparator + 3).toLowerCase() === "%25" ? 3 : 1;
        zoneIdentifier = input2.slice(zoneSeparator + separatorLength);
        if (!isZoneIdentifier(zoneIdentifier)) return { host, isIPV6: false, error: true };
        input2 = input2.slice(0, zoneSeparator);
      }
      const address = normalizeIPv6Address(input2);
      if (address === void 0) return { host, isIPV6: false, error: true };
      return {
        host: address + (zoneIdentifier ? "%" + zoneIdentifier : ""),
        escapedHost: address + (zoneIdentifier ? "%25" + zoneIdentifier : ""),
        isIPV6: true
      };
    }
    function findToken(str2, token) {
      let ind = 0;
      for (let i2 = 0; i2 < str2.length; i2++) {
        if (str2[i2] === token) ind++;
      }
      return ind;
    }
    function removeDotSegments(path35) {
      let input2 = path35;
      const output2 = [];
      let nextSlash = -1;
      let len = 0;
      while (len = input2.length) {
        if (len === 1) {
          if (input2 === ".") {
            break;
          } else if (input2 === "/") {
            output2.push("/");
            break;
          } else {
            output2.push(input2);
            break;
          }
        } else if (len === 2) {
          if (input2[0] === ".") {
            if (input2[1] === ".") {
              break;
            } else if (input2[1] === "/") {
              input2 = input2.slice(2);
              continue;
            }
          } else if (input2[0] === "/") {
            if (input2[1] === "." || input2[1] === "/") {
              output2.push("/");
              break;
            }
          }
        } else if (len === 3) {
          if (input2 === "/..") {
            if (output2.length !== 0) {
              output2.pop();
            }
            output2.push("/");
            break;
          }
        }
        if (input2[0] === ".") {
          if (input2[1] === ".") {
            if (input2[2] === "/") {
              input2 = input2.slice(3);
              continue;
            }
          } else if (input2[1] === "/") {
            input2 = input2.slice(2);
            continue;
          }
        } else if (input2[0] === "/") {
          if (input2[1] === ".") {
            if (input2[2] === "/") {
              input2 = input2.slice(2);
              continue;
            } else if (input2[2] === ".") {
              if (input2[3] === "/") {
                input2 = input2.slice(3);
                if (output2.length !== 0) {
                  output2.pop();
                }
                continue;
              }
            }
          }
        }
        if ((nextSlash = input2.indexOf("/", 1)) === -1) {
          output2.push(input2);
          break;
        } else {
          output2.push(input2.slice(0, nextSlash));
          input2 = input2.slice(nextSlash);
        }
      }
      return output2.join("");
    }
    function removeDotSegmentsRelative(path35) {
      if (path35 === "" || path35[0] === "/") {
        return removeDotSegments(path35);
      }
      const segments = path35.split("/");
      const last = segments.length - 1;
      const output2 = [];
      let trailingDirectory = false;
      for (let i2 = 0; i2 <= last; i2++) {
        const segment = segments[i2];
        if (segment === "." || segment === "..") {
          if (segment === "..") {
            if (output2.length !== 0 && output2[output2.length - 1] !== "..") {
              output2.pop();
            } else {
              output2.push("..");
            }
          }
          trailingDirectory = i2 === last;
        } else {
          output2.push(segment);
        }
      }
      if (trailingDirectory && output2[output2.length - 1] !== "..") {
        output2.push("");
      }
      if (output2.length === 0 || output2[0] === "" || output2[0].includes(":")) {
        output2.unshift(".");
      }
      return output2.join("/");
    }
    var HOST_DELIMS = { "@": "%40", "/": "%2F", "?": "%3F", "#": "%23", ":": "%3A" };
    var HOST_DELIM_RE = /[@/?#:]/g;
    var HOST_DELIM_NO_COLON_RE = /[@/?#]/g;
    function reescapeHostDelimiters(host, isIP) {
      const re = isIP ? HOST_DELIM_NO_COLON_RE : HOST_DELIM_RE;
      re.lastIndex = 0;
      return host.replace(re, (ch) => HOST_DELIMS[ch]);
    }
    function normalizePercentEncoding(input2, decodeUnreserved = false) {
      if (input2.indexOf("%") === -1) {
        return input2;
      }
      let output2 = "";
      for (let i2 = 0; i2 < input2.length; i2++) {
        if (input2[i2] === "%" && i2 + 2 < input2.length) {
          const hex = input2.slice(i2 + 1, i2 + 3);
          if (isHexPair(hex)) {
            const normalizedHex = hex.toUpperCase();
            const decoded = String.fromCharCode(parseInt(normalizedHex, 16));
            if (decodeUnreserved && isUnreserved(decoded)) {
              output2 += decoded;
            } else {
              output2 += "%" + normalizedHex;
            }
            i2 += 2;
            continue;
          }
        }
        output2 += input2[i2];
      }
      return output2;
    }
    function normalizePathEncoding(input2) {
      let output2 = "";
      for (let i2 = 0; i2 < input2.length; i2++) {
        const ch = input2[i2];
        if (ch === "%" && i2 + 2 < input2.length) {
          const hex = input2.slice(i2 + 1, i2 + 3);
          if (isHexPair(hex)) {
            const normalizedHex = hex.toUpperCase();
            const decoded = String.fromCharCode(parseInt(normalizedHex, 16));
            if (decoded !== "." && isUnreserved(decoded)) {
              output2 += decoded;
            } else {
              output2 += "%" + normalizedHex;
            }
            i2 += 2;
            continue;
          }
        }
        if (isPathCharacter(ch)) {
          output2 += ch;
        } else {
          const code = input2.charCodeAt(i2);
          if (code < 128) {
            output2 += isEscapeSafe(code) ? ch : BYTE_HEX[code];
          } else if (code < 55296 || code > 57343) {
            output2 += percentEncodeNonAscii(code);
          } else if (code <= 56319 && i2 + 1 < input2.length) {
            const low = input2.charCodeAt(i2 + 1);
            if (low >= 56320 && low <= 57343) {
              output2 += percentEncodeNonAscii(65536 + (code - 55296 << 10) + (low - 56320));
              i2++;
            } else {
              output2 += percentEncodeNonAscii(65533);
            }
          } else {
            output2 += percentEncodeNonAscii(65533);
          }
        }
      }
      return output2;
    }
    function serializePathEncoding(input2, pathNoScheme = false) {
      let output2 = "";
      let firstSegment = pathNoScheme && input2[0] !== "/";
      for (let i2 = 0; i2 < input2.length; i2++) {
        const ch = input2[i2];
        if (ch === "%" && i2 + 2 < input2.length) {
          const hex = input2.slice(i2 + 1, i2 + 3);
          if (isHexPair(hex)) {
            output2 += "%" + hex.toUpperCase();
            i2 += 2;
            continue;
          }
        }
        if (ch === "/") {
          firstSegment = false;
        }
        if (isPathCharacter(ch) && (ch !== ":" || !firstSegment)) {
          output2 += ch;
        } else {
          const code = input2.charCodeAt(i2);
          if (code < 128) {
            output2 += BYTE_HEX[code];
          } else if (code < 55296 || code > 57343) {
            output2 += percentEncodeNonAscii(code);
          } else if (code <= 56319 && i2 + 1 < input2.length) {
            const low = input2.charCodeAt(i2 + 1);
            if (low >= 56320 && low <= 57343) {
              output2 += percentEncodeNonAscii(65536 + (code - 55296 << 10) + (low - 56320));
              i2++;
            } else {
              output2 += percentEncodeNonAscii(65533);
            }
          } else {
            output2 += percentEncodeNonAscii(65533);
          }
        }
      }
      return output2;
    }
    function encodeComponent(input2, isAllowed) {
      let output2 = "";
      for (let i2 = 0; i2 < input2.length; i2++) {
        const ch = input2[i2];
        if (ch === "%" && i2 + 2 < input2.length) {
          const hex = input2.slice(i2 + 1, i2 + 3);
          if (isHexPair(hex)) {
            output2 += "%" + hex.toUpperCase();
            i2 += 2;
            continue;
          }
        }
        if (isAllowed(ch)) {
          output2 += ch;
        } else {
          const code = input2.charCodeAt(i2);
          if (code < 128) {
            output2 += BYTE_HEX[code];
          } else if (code < 55296 || code > 57343) {
            output2 += percentEncodeNonAscii(code);
          } else if (code <= 56319 && i2 + 1 < input2.length) {
            const low = input2.charCodeAt(i2 + 1);
            if (low >= 56320 && low <= 57343) {
              output2 += percentEncodeNonAscii(65536 + (code - 55296 << 10) + (low - 56320));
              i2++;
            } else {
              output2 += percentEncodeNonAscii(65533);
            }
          } else {
            output2 += percentEncodeNonAscii(65533);
          }
        }
      }
      return output2;
    }
    function encodeUserinfo(input2) {
      return encodeComponent(input2, isUserinfoCharacter);
    }
    function encodeQuery(input2) {
      return encodeComponent(input2, isQueryFragmentCharacter);
    }
    function encodeFragment(input2) {
      return encodeComponent(input2, isQueryFragmentCharacter);
    }
    function isEscapeSafe(cp) {
      return cp >= 48 && cp <= 57 || cp >= 65 && cp <= 90 || cp >= 97 && cp <= 122 || cp === 42 || cp === 43 || cp === 45 || cp === 46 || cp === 47 || cp === 64 || cp === 95;
    }
    function normalizeQueryFragmentEncoding(input2) {
      let output2 = "";
      for (let i2 = 0; i2 < input2.length; i2++) {
        const ch = input2[i2];
        if (ch === "%" && i2 + 2 < input2.length) {
          const hex = input2.slice(i2 + 1, i2 + 3);
          if (isHexPair(hex)) {
            const normalizedHex = hex.toUpperCase();
            const decoded = String.fromCharCode(parseInt(normalizedHex, 16));
            if (isUnreserved(decoded)) {
              output2 += decoded;
            } else {
              output2 += "%" + normalizedHex;
            }
            i2 += 2;
            continue;
          }
        }
        if (isQueryFragmentCharacter(ch)) {
          output2 += ch;
        } else {
          const code = input2.charCodeAt(i2);
          if (code < 128) {
            output2 += isEscapeSafe(code) ? ch : BYTE_HEX[code];
          } else if (code < 55296 || code > 57343) {
            output2 += percentEncodeNonAscii(code);
          } else if (code <= 56319 && i2 + 1 < input2.length) {
            const low = input2.charCodeAt(i2 + 1);
            if (low >= 56320 && low <= 57343) {
              output2 += percentEncodeNonAscii(65536 + (code - 55296 << 10) + (low - 56320));
              i2++;
            } else {
              output2 += percentEncodeNonAscii(65533);
            }
          } else {
            output2 += percentEncodeNonAscii(65533);
          }
        }
      }
      return output2;
    }
    function escapePreservingEscapes(input2) {
      let output2 = "";
      for (let i2 = 0; i2 < input2.length; i2++) {
        if (input2[i2] === "%" && i2 + 2 < input2.length) {
          const hex = input2.slice(i2 + 1, i2 + 3);
          if (isHexPair(hex)) {
            output2 += "%" + hex.toUpperCase();
            i2 += 2;
            continue;
          }
        }
        output2 += escape(input2[i2]);
      }
      return output2;
    }
    function recomposeAuthority(component) {
      const uriTokens = [];
      if (component.userinfo !== void 0) {
        uriTokens.push(encodeUserinfo(component.userinfo));
        uriTokens.push("@");
      }
      if (component.host !== void 0) {
        let host = component.host;
        if (!isIPv4(host)) {
          let ipV6res = normalizeIPv6(host);
          if (ipV6res.isIPV6 !== true && ipV6res.isIPVFuture !== true) {
            host = normalizePercentEncoding(host, true);
            ipV6res = normalizeIPv6(host);
          }
          if (ipV6res.isIPV6 === true || ipV6res.isIPVFuture === true) {
            host = `[${ipV6res.escapedHost}]`;
          } else {
            host = reescapeHostDelimiters(host, false);
          }
        }
        uriTokens.push(host);
      }
      if (typeof component.port === "number" || typeof component.port === "string") {
        const port = String(component.port);
        if (!isPort(port)) {
          throw new TypeError("URI port is malformed.");
        }
        uriTokens.push(":");
        uriTokens.push(port);
      }
      return uriTokens.length ? uriTokens.join("") : void 0;
    }
    module.exports = {
      nonSimpleDomain,
      recomposeAuthority,
      reescapeHostDelimiters,
      normalizePercentEncoding,
      normalizePathEncoding,
      serializePathEncoding,
      normalizeQueryFragmentEncoding,
      encodeUserinfo,
      encodeQuery,
      encodeFragment,
      escapePreservingEscapes,
      removeDotSegments,
      removeDotSegmentsRelative,
      isIPv4,
      isUUID,
      normalizeIPv6,
      stringArrayToHexStripped
    };
  }
});

// node_modules/fast-uri/lib/schemes.js
var require_schemes = __commonJS({
  "node_modules/fast-uri/lib/schemes.js"(exports, module) {
    "use strict";
    var { isUUID } = require_utils();
    var URN_REG = /^([\da-z][\d\-a-z]{0,31}):((?:[\w!$'()*+,\-./:;=@]|%[\da-f]{2})+)$/iu;
    var supportedSchemeNames = (
      /** @type {const} */
      [
        "http",
        "https",
        "ws",
        "wss",
        "urn",
        "urn:uuid"
      ]
    );
    function isValidSchemeName(name) {
      return supportedSchemeNames.indexOf(
        /** @type {*} */
        name
      ) !== -1;
    }
    function wsIsSecure(wsComponent) {
      if (wsComponent.secure === true) {
        return true;
      } else if (wsComponent.secure === false) {
        return false;
      } else if (wsComponent.scheme) {
        return wsComponent.scheme.length === 3 && (wsComponent.scheme[0] === "w" || wsComponent.scheme[0] === "W") && (wsComponent.scheme[1] === "s" || wsComponent.scheme[1] === "S") && (wsComponent.scheme[2] === "s" || wsComponent.scheme[2] === "S");
      } else {
        return false;
      }
    }
    function httpParse(component) {
      if (!component.host) {
        component.error = component.error || "HTTP URIs must have a host.";
      }
      return component;
    }
    function httpSerialize(component) {
      const secure = String(component.scheme).toLowerCase() === "https";
      if (component.port === (secure ? 443 : 80) || component.port === "") {
        component.port = void 0;
      }
      if (!component.path) {
        component.path = "/";
      }
      return component;
    }
    function wsParse(wsComponent) {
      wsComponent.secure = wsIsSecure(wsComponent);
      wsComponent.resourceName = (wsComponent.path || "/") + (wsComponent.query ? "?" + wsComponent.query : "");
      wsComponent.path = void 0;
      wsComponent.query = void 0;
      return wsComponent;
    }
    function wsSerialize(wsComponent) {
      if (wsComponent.port === (wsIsSecure(wsComponent) ? 443 : 80) || wsComponent.port === "") {
        wsComponent.port = void 0;
      }
      if (typeof wsComponent.secure === "boolean") {
        wsComponent.scheme = wsComponent.secure ? "wss" : "ws";
        wsComponent.secure = void 0;
      }
      if (wsComponent.resourceName) {
        const queryIndex = wsComponent.resourceName.indexOf("?");
        const path35 = queryIndex === -1 ? wsComponent.resourceName : wsComponent.resourceName.slice(0, queryIndex);
        wsComponent.path = path35 && path35 !== "/" ? path35 : void 0;
        wsComponent.query = queryIndex === -1 ? void 0 : wsComponent.resourceName.slice(queryIndex + 1);
        wsComponent.resourceName = void 0;
      }
      wsComponent.fragment = void 0;
      return wsComponent;
    }
    function urnParse(urnComponent, options) {
      if (!urnComponent.path) {
        urnComponent.error = "URN can not be parsed";
        return urnComponent;
      }
      const matches = urnComponent.path.match(URN_REG);
      if (matches && matches[0] === urnComponent.path) {
        const scheme = options.scheme || urnComponent.scheme || "urn";
        urnComponent.nid = matches[1].toLowerCase();
        urnComponent.nss = matches[2];
        const urnScheme = `${scheme}:${options.nid || urnComponent.nid}`;
        const schemeHandler = getSchemeHandler(urnScheme);
        urnComponent.path = void 0;
        if (schemeHandler) {
          urnComponent = schemeHandler.parse(urnComponent, options);
        }
      } else {
        urnComponent.error = urnComponent.error || "URN can not be parsed.";
      }
      return urnComponent;
    }
    function urnSerialize(urnComponent, options) {
      if (urnComponent.nid === void 0) {
        throw new Error("URN without nid cannot be serialized");
      }
      const scheme = options.scheme || urnComponent.scheme || "urn";
      const nid = urnComponent.nid.toLowerCase();
      const urnScheme = `${scheme}:${options.nid || nid}`;
      const schemeHandler = getSchemeHandler(urnScheme);
      if (schemeHandler) {
        urnComponent = schemeHandler.serialize(urnComponent, options);
      }
      const uriComponent = urnComponent;
      const nss = urnComponent.nss;
      uriComponent.path = `${nid || options.nid}:${nss}`;
      options.skipEscape = true;
      return uriComponent;
    }
    function urnuuidParse(urnComponent, options) {
      const uuidComponent = urnComponent;
      uuidComponent.uuid = uuidComponent.nss;
      uuidComponent.nss = void 0;
      if (!options.tolerant && (!uuidComponent.uuid || !isUUID(uuidComponent.uuid))) {
        uuidComponent.error = uuidComponent.error || "UUID is not valid.";
      }
      return uuidComponent;
    }
    function urnuuidSerialize(uuidComponent) {
      const urnComponent = uuidComponent;
      urnComponent.nss = (uuidComponent.uuid || "").toLowerCase();
      return urnComponent;
    }
    var http = (
      /** @type {SchemeHandler} */
      {
        scheme: "http",
        domainHost: true,
        parse: httpParse,
        serialize: httpSerialize
      }
    );
    var https = (
      /** @type {SchemeHandler} */
      {
        scheme: "https",
        domainHost: http.domainHost,
        parse: httpParse,
        serialize: httpSerialize
      }
    );
    var ws = (
      /** @type {SchemeHandler} */
      {
        scheme: "ws",
        domainHost: true,
        parse: wsParse,
        serialize: wsSerialize
      }
    );
    var wss = (
      /** @type {SchemeHandler} */
      {
        scheme: "wss",
        domainHost: ws.domainHost,
        parse: ws.parse,
        serialize: ws.serialize
      }
    );
    var urn = (
      /** @type {SchemeHandler} */
      {
        scheme: "urn",
        parse: urnParse,
        serialize: urnSerialize,
        skipNormalize: true
      }
    );
    var urnuuid = (
      /** @type {SchemeHandler} */
      {
        scheme: "urn:uuid",
        parse: urnuuidParse,
        serialize: urnuuidSerialize,
        skipNormalize: true
      }
    );
    var SCHEMES = (
      /** @type {Record<SchemeName, SchemeHandler>} */
      {
        http,
        https,
        ws,
        wss,
        urn,
        "urn:uuid": urnuuid
      }
    );
    Object.setPrototypeOf(SCHEMES, null);
    function getSchemeHandler(scheme) {
      return scheme && (SCHEMES[
        /** @type {SchemeName} */
        scheme
      ] || SCHEMES[
        /** @type {SchemeName} */
        scheme.toLowerCase()
      ]) || void 0;
    }
    module.exports = {
      wsIsSecure,
      SCHEMES,
      isValidSchemeName,
      getSchemeHandler
    };
  }
});

// node_modules/fast-uri/index.js
var require_fast_uri = __commonJS({
  "node_modules/fast-uri/index.js"(exports, module) {
    "use strict";
    var { normalizeIPv6, removeDotSegments, removeDotSegmentsRelative, recomposeAuthority, normalizePercentEncoding, normalizePathEncoding, serializePathEncoding, normalizeQueryFragmentEncoding, encodeQuery, encodeFragment, reescapeHostDelimiters, isIPv4, nonSimpleDomain } = require_utils();
    var { SCHEMES, getSchemeHandler } = require_schemes();
    var VALID_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/u;
    var MALFORMED_SCHEME_ERROR = "URI scheme is malformed.";
    var MALFORMED_HOST_ERROR = "URI host is malformed.";
    var FORBIDDEN_DOMAIN_HOST_CHARACTER = /[\0-\x20"#/:<>?@[\\\]^`{|}\x7F]/u;
    function validateScheme(scheme) {
      const stringScheme = String(scheme);
      if (!VALID_SCHEME.test(stringScheme)) {
        throw new TypeError(MALFORMED_SCHEME_ERROR);
      }
      return stringScheme;
    }
    function normalize(uri, options) {
      if (typeof uri === "string") {
        uri = /** @type {T} */
        normalizeString(uri, options);
      } else if (typeof uri === "object") {
        uri = /** @type {T} */
        parse(serialize2(uri, options), options);
      }
      return uri;
    }
    function resolve2(baseURI, relativeURI, options) {
      const schemelessOptions = options ? Object.assign({ scheme: "null" }, options) : { scheme: "null" };
      const {
        parsed: baseParsed,
        malformedAuthorityOrPort: baseMalformed,
        malformedPercentEncoding: baseMalformedPercentEncoding,
        malformedSchemeSpecific: baseMalformedSchemeSpecific,
        malformedHost: baseMalformedHost,
        malformedScheme: baseMalformedScheme
      } = parseWithStatus(baseURI, schemelessOptions);
      const {
        parsed: relativeParsed,
        malformedAuthorityOrPort: relativeMalformed,
        malformedPercentEncoding: relativeMalformedPercentEncoding,
        malformedSchemeSpecific: relativeMalformedSchemeSpecific,
        malformedHost: relativeMalformedHost,
        malformedScheme: relativeMalformedScheme
      } = parseWithStatus(relativeURI, schemelessOptions);
      if (baseMalformed || relativeMalformed || baseMalformedPercentEncoding || relativeMalformedPercentEncoding || baseMalformedSchemeSpecific || relativeMalformedSchemeSpecific || baseMalformedHost || relativeMalformedHost || baseMalformedScheme || relativeMalformedScheme) {
        throw new Error(baseParsed.error || relativeParsed.error || "URI is malformed.");
      }
      const resolved = resolveComponent(baseParsed, relativeParsed, schemelessOptions, true);
      const resolvedSchemeHandler = getSchemeHandler(options && options.scheme || resolved.scheme);
      const resolvedHost = resolved.host;
      const resolvedHostIsIP = resolvedHost !== void 0 && resolvedHost !== "" && (isIPv4(resolvedHost) || normalizeIPv6(resolvedHost).isIPV6);
      if (hasForbiddenDomainHost(resolved, options || {}, resolvedSchemeHandler, resolvedHostIsIP)) {
        throw new Error(MALFORMED_HOST_ERROR);
      }
      canonicalizeHost(resolved, options || {}, resolvedSchemeHandler, resolvedHostIsIP);
      const encodedASCIIHost = resolvedHost && resolvedHost.indexOf("%") !== -1 && !new RegExp("\\P{ASCII}", "u").test(resolvedHost);
      if (resolved.error && !encodedASCIIHost) {
        throw new Error(resolved.error);
      }
      schemelessOptions.skipEscape = true;
      return serialize2(resolved, schemelessOptions);
    }
    function resolveComponent(base, relative, options, skipNormalization) {
      const target = {};
      if (!skipNormalization) {
        base = parse(serialize2(base, options), options);
        relative = parse(serialize2(relative, options), options);
      }
      options = options || {};
      if (!options.tolerant && relative.scheme) {
        target.scheme = relative.scheme;
        target.userinfo = relative.userinfo;
        target.host = relative.host;
        target.port = relative.port;
        target.path = removeDotSegments(relative.path || "");
        target.query = relative.query;
      } else {
        if (relative.userinfo !== void 0 || relative.host !== void 0 || relative.port !== void 0) {
          target.userinfo = relative.userinfo;
          target.host = relative.host;
          target.port = relative.port;
          target.path = removeDotSegments(relative.path || "");
          target.query = relative.query;
        } else {
          if (!relative.path) {
            target.path = base.path;
            if (relative.query !== void 0) {
              target.query = relative.query;
            } else {
              target.query = base.query;
            }
          } else {
            if (relative.path[0] === "/") {
              target.path = removeDotSegments(relative.path);
            } else {
              const baseHasAuthority = base.userinfo !== void 0 || base.host !== void 0 || base.port !== void 0;
              if (baseHasAuthority && !base.path) {
                target.path = "/" + relative.path;
              } else if (!base.path) {
                target.path = relative.path;
              } else {
                target.path = base.path.slice(0, base.path.lastIndexOf("/") + 1) + relative.path;
              }
              target.path = base.scheme === void 0 && !baseHasAuthority && target.path[0] !== "/" ? removeDotSegmentsRelative(target.path) : removeDotSegments(target.path);
            }
            target.query = relative.query;
          }
          target.userinfo = base.userinfo;
          target.host = base.host;
          target.port = base.port;
        }
        target.scheme = base.scheme;
      }
      target.fragment = relative.fragment;
      return target;
    }
    function equal(uriA, uriB, options) {
      const normalizedA = normalizeComparableURI(uriA, options);
      const normalizedB = normalizeComparableURI(uriB, options);
      return normalizedA !== void 0 && normalizedB !== void 0 && normalizedA === normalizedB;
    }
    function serialize2(cmpts, opts2) {
      const component = {
        host: cmpts.host,
        scheme: cmpts.scheme,
        userinfo: cmpts.userinfo,
        port: cmpts.port,
        path: cmpts.path,
        query: cmpts.query,
        nid: cmpts.nid,
        nss: cmpts.nss,
        uuid: cmpts.uuid,
        fragment: cmpts.fragment,
        reference: cmpts.reference,
        resourceName: cmpts.resourceName,
        secure: cmpts.secure,
        error: ""
      };
      const options = Object.assign({}, opts2);
      const uriTokens = [];
      if (component.scheme) {
        component.scheme = validateScheme(component.scheme);
      }
      const schemeHandler = getSchemeHandler(options.scheme || component.scheme);
      if (schemeHandler && schemeHandler.serialize) schemeHandler.serialize(component, options);
      const hasAuthority = component.userinfo !== void 0 || component.host !== void 0 || component.port !== void 0;
      const schemelessReference = (component.scheme === void 0 || options.reference === "suffix") && !hasAuthority;
      const pathNoScheme = !options.skipEscape && schemelessReference;
      if (component.path !== void 0) {
        if (!options.skipEscape) {
          component.path = serializePathEncoding(component.path, pathNoScheme);
        } else {
          component.path = normalizePercentEncoding(component.path);
        }
      }
      if (options.reference !== "suffix" && component.scheme) {
        component.scheme = validateScheme(component.scheme);
        uriTokens.push(component.scheme, ":");
      }
      const authority = recomposeAuthority(component);
      if (authority !== void 0) {
        if (options.reference !== "suffix") {
          uriTokens.push("//");
        }
        uriTokens.push(authority);
        if (component.path && component.path[0] !== "/") {
          uriTokens.push("/");
        }
      }
      if (component.path !== void 0) {
        let s = component.path;
        if (!options.absolutePath && (!schemeHandler || !schemeHandler.absolutePath)) {
          s = schemelessReference && s[0] !== "/" ? removeDotSegmentsRelative(s) : removeDotSegments(s);
        }
        if (schemelessReference) {
          s = serializePathEncoding(s, true);
        }
        if (authority === void 0 && s[0] === "/" && s[1] === "/") {
          s = "/%2F" + s.slice(2);
        }
        uriTokens.push(s);
      }
      if (component.query !== void 0) {
        uriTokens.push("?", encodeQuery(component.query));
      }
      if (component.fragment !== void 0) {
        uriTokens.push("#", encodeFragment(component.fragment));
      }
      return uriTokens.join("");
    }
    var URI_PARSE = /^(?:([^#/:?]+):)?(?:\/\/((?:([^#/?@]*)@)?(\[[^#/?\]]+\]|[^#/:?]*)(?::(\d*))?))?([^#?]*)(?:\?([^#]*))?(?:#((?:.|[\n\r])*))?/u;
    var AUTHORITY_PREFIX = /^(?:[^#/:?]+:)?\/\/([^/?#]*)/;
    var AUTHORITY_INTRODUCER_REGION = /^(?:[^#/:?]+:)?([/\\\t\n\r]*)/;
    function getParseError(parsed, matches) {
      if (matches[2] !== void 0 && parsed.path && parsed.path[0] !== "/") {
        return 'URI path must start with "/" when authority is present.';
      }
      if (typeof parsed.port === "number" && (parsed.port < 0 || parsed.port > 65535)) {
        return "URI port is malformed.";
      }
      return void 0;
    }
    function hasMalformedPercentEncoding(component) {
      if (component === void 0) return false;
      let percent = component.indexOf("%");
      while (percent !== -1) {
        if (percent + 2 >= component.length || !/^[\da-f]{2}$/iu.test(component.slice(percent + 1, percent + 3))) {
          return true;
        }
        percent = component.indexOf("%", percent + 3);
      }
      return false;
    }
    function isIPLiteral(host) {
      return host[0] === "[" && host[host.length - 1] === "]";
    }
    function hasMalformedComponentPercentEncoding(matches) {
      const host = matches[4];
      return hasMalformedPercentEncoding(matches[3]) || host !== void 0 && !isIPLiteral(host) && hasMalformedPercentEncoding(host) || hasMalformedPercentEncoding(matches[6]) || hasMalformedPercentEncoding(matches[7]) || hasMalformedPercentEncoding(matches[8]);
    }
    function canonicalizeHost(parsed, options, schemeHandler, isIP) {
      if (hasForbiddenDomainHost(parsed, options, schemeHandler, isIP)) {
        parsed.error = parsed.error || MALFORMED_HOST_ERROR;
        return true;
      }
      if (!options.unicodeSupport && (!schemeHandler || !schemeHandler.unicodeSupport) && parsed.host && !isIPLiteral(parsed.host) && (options.domainHost || schemeHandler && schemeHandler.domainHost) && isIP === false && nonSimpleDomain(parsed.host)) {
        let url;
        try {
          url = new URL("http://" + parsed.host);
        } catch (e) {
          parsed.error = parsed.error || "Host's domain name can not be converted to ASCII: " + e;
          return true;
        }
        if (!isHostOnlyURL(url)) {
          parsed.error = parsed.error || MALFORMED_HOST_ERROR;
          return true;
        }
        parsed.host = url.hostname;
      }
      return false;
    }
    function hasForbiddenDomainHost(parsed, options, schemeHandler, isIP) {
      return Boolean(
        parsed.host && isIP === false && !isIPLiteral(parsed.host) && (options.domainHost || schemeHandler && schemeHandler.domainHost) && FORBIDDEN_DOMAIN_HOST_CHARACTER.test(parsed.host)
      );
    }
    function isHostOnlyURL(url) {
      return url.username === "" && url.password === "" && url.port === "" && url.pathname === "/" && url.search === "" && url.hash === "" && url.hostname !== "";
    }
    function parseWithStatus(uri, opts2) {
      const options = Object.assign({}, opts2);
      const parsed = {
        scheme: void 0,
        userinfo: void 0,
        host: "",
        port: void 0,
        path: "",
        query: void 0,
        fragment: void 0
      };
      let malformedAuthorityOrPort = false;
      let malformedPercentEncoding = false;
      let malformedSchemeSpecific = false;
      let malformedHost = false;
      let malformedIPLiteral = false;
      let malformedScheme = false;
      let isIP = false;
      if (options.reference === "suffix") {
        if (options.scheme) {
          uri = options.scheme + ":" + uri;
        } else {
          uri = "//" + uri;
        }
      }
      const authorityMatch = uri.match(AUTHORITY_PREFIX);
      if (authorityMatch !== null && authorityMatch[1].indexOf("\\") !== -1) {
        parsed.error = "URI authority must not contain a literal backslash.";
        malformedAuthorityOrPort = true;
      }
      const introducerMatch = uri.match(AUTHORITY_INTRODUCER_REGION);
      if (introducerMatch !== null) {
        const region = introducerMatch[1];
        const normalizedRegion = region.replace(/[\t\n\r]/g, "");
        if (normalizedRegion.length >= 2) {
          if (normalizedRegion.slice(0, 2) !== "//") {
            parsed.error = parsed.error || "URI authority must not contain a literal backslash.";
            malformedAuthorityOrPort = true;
          } else if (region.length !== normalizedRegion.length) {
            parsed.error = parsed.error || "URI authority introducer must not contain whitespace.";
            malformedAuthorityOrPort = true;
          }
        }
      }
      const matches = uri.match(URI_PARSE);
      if (matches) {
        parsed.scheme = matches[1];
        parsed.userinfo = matches[3];
        parsed.host = matches[4];
        parsed.port = parseInt(matches[5], 10);
        parsed.path = matches[6] || "";
        parsed.query = matches[7];
        parsed.fragment = matches[8];
        if (parsed.scheme !== void 0) {
          if (VALID_SCHEME.test(parsed.scheme)) {
            parsed.scheme = parsed.scheme.toLowerCase();
          } else {
            parsed.error = parsed.error || MALFORMED_SCHEME_ERROR;
            malformedScheme = true;
          }
        }
        malformedPercentEncoding = hasMalformedComponentPercentEncoding(matches);
        if (malformedPercentEncoding) {
          parsed.error = parsed.error || "URI contains malformed percent-encoding.";
        }
        if (isNaN(parsed.port)) {
          parsed.port = matches[5];
        }
        const parseError = getParseError(parsed, matches);
        if (parseError !== void 0) {
          parsed.error = parsed.error || parseError;
          malformedAuthorityOrPort = true;
        }
        if (parsed.host) {
          const ipv4result = isIPv4(parsed.host);
          if (ipv4result === false) {
            const bracketedIPLiteral = isIPLiteral(parsed.host);
            const hasIPLiteralBracket = parsed.host.indexOf("[") !== -1 || parsed.host.indexOf("]") !== -1;
            const ipv6result = normalizeIPv6(parsed.host);
            isIP = ipv6result.isIPV6 || ipv6result.isIPVFuture === true;
            malformedIPLiteral = hasIPLiteralBracket && (!bracketedIPLiteral || ipv6result.error === true);
            parsed.host = isIP ? ipv6result.host : ipv6result.host.toLowerCase();
            if (malformedIPLiteral) {
              parsed.error = parsed.error || MALFORMED_HOST_ERROR;
              malformedAuthorityOrPort = true;
            }
          } else {
            isIP = true;
          }
        }
        if (parsed.scheme === void 0 && parsed.userinfo === void 0 && parsed.host === void 0 && parsed.port === void 0 && parsed.query === void 0 && !parsed.path) {
          parsed.reference = "same-document";
        } else if (parsed.scheme === void 0) {
          parsed.reference = "relative";
        } else if (parsed.fragment === void 0) {
          parsed.reference = "absolute";
        } else {
          parsed.reference = "uri";
        }
        if (options.reference && options.reference !== "suffix" && options.reference !== parsed.reference) {
          parsed.error = parsed.error || "URI is not a " + options.reference + " reference.";
        }
        const schemeHandler = getSchemeHandler(options.scheme || parsed.scheme);
        if (!malformedIPLiteral) {
          malformedHost = canonicalizeHost(parsed, options, schemeHandler, isIP);
        }
        if (uri.indexOf("%") !== -1 && parsed.host !== void 0 && !malformedIPLiteral) {
          let host = isIP ? parsed.host : normalizePercentEncoding(parsed.host, true);
          if (!isIP) {
            host = normalizePercentEncoding(host.toLowerCase());
          }
          parsed.host = isIP || options.scheme !== "null" ? reescapeHostDelimiters(host, isIP) : host;
        }
        if (!schemeHandler || schemeHandler && !schemeHandler.skipNormalize) {
          if (parsed.path) {
            parsed.path = normalizePathEncoding(parsed.path);
          }
          if (parsed.query) {
            parsed.query = normalizeQueryFragmentEncoding(parsed.query);
          }
          if (parsed.fragment) {
            parsed.fragment = normalizeQueryFragmentEncoding(parsed.fragment);
          }
        }
        if (schemeHandler && schemeHandler.parse) {
          schemeHandler.parse(parsed, options);
          if (schemeHandler === SCHEMES.urn && parsed.nid === void 0) {
            malformedSchemeSpecific = true;
          }
        }
      } else {
        parsed.error = parsed.error || "URI can not be parsed.";
      }
      return { parsed, malformedAuthorityOrPort, malformedPercentEncoding, malformedSchemeSpecific, malformedHost, malformedScheme };
    }
    function parse(uri, opts2) {
      return parseWithStatus(uri, opts2).parsed;
    }
    function normalizeString(uri, opts2) {
      return normalizeStringWithStatus(uri, opts2).normalized;
    }
    function normalizeStringWithStatus(uri, opts2) {
      const { parsed, malformedAuthorityOrPort, malformedPercentEncoding, malformedSchemeSpecific, malformedHost, malformedScheme } = parseWithStatus(uri, opts2);
      return {
        normalized: malformedAuthorityOrPort || malformedPercentEncoding || malformedSchemeSpecific || malformedHost || malformedScheme ? uri : serialize2(parsed, opts2),
        malformedAuthorityOrPort,
        malformedPercentEncoding,
        malformedSchemeSpecific,
        malformedHost,
        malformedScheme
      };
    }
    function normalizeComparableURI(uri, opts2) {
      if (typeof uri !== "string" && typeof uri !== "object") {
        return void 0;
      }
      let value;
      try {
        value = typeof uri === "string" ? uri : serialize2(uri, opts2);
      } catch {
        return void 0;
      }
      const { normalized, malformedAuthorityOrPort, malformedPercentEncoding, malformedSchemeSpecific, malformedHost, malformedScheme } = normalizeStringWithStatus(value, opts2);
      return malformedAuthorityOrPort || malformedPercentEncoding || malformedSchemeSpecific || malformedHost || malformedScheme ? void 0 : normalized;
    }
    var fastUri = {
      SCHEMES,
      normalize,
      resolve: resolve2,
      resolveComponent,
      equal,
      serialize: serialize2,
      parse
    };
    module.exports = fastUri;
    module.exports.default = fastUri;
    module.exports.fastUri = fastUri;
  }
});

// node_modules/ajv/dist/runtime/uri.js
var require_uri = __commonJS({
  "node_modules/ajv/dist/runtime/uri.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var uri = require_fast_uri();
    uri.code = 'require("ajv/dist/runtime/uri").default';
    exports.default = uri;
  }
});

// node_modules/ajv/dist/core.js
var require_core = __commonJS({
  "node_modules/ajv/dist/core.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.CodeGen = exports.Name = exports.nil = exports.stringify = exports.str = exports._ = exports.KeywordCxt = void 0;
    var validate_1 = require_validate();
    Object.defineProperty(exports, "KeywordCxt", { enumerable: true, get: function() {
      return validate_1.KeywordCxt;
    } });
    var codegen_1 = require_codegen();
    Object.defineProperty(exports, "_", { enumerable: true, get: function() {
      return codegen_1._;
    } });
    Object.defineProperty(exports, "str", { enumerable: true, get: function() {
      return codegen_1.str;
    } });
    Object.defineProperty(exports, "stringify", { enumerable: true, get: function() {
      return codegen_1.stringify;
    } });
    Object.defineProperty(exports, "nil", { enumerable: true, get: function() {
      return codegen_1.nil;
    } });
    Object.defineProperty(exports, "Name", { enumerable: true, get: function() {
      return codegen_1.Name;
    } });
    Object.defineProperty(exports, "CodeGen", { enumerable: true, get: function() {
      return codegen_1.CodeGen;
    } });
    var validation_error_1 = require_validation_error();
    var ref_error_1 = require_ref_error();
    var rules_1 = require_rules();
    var compile_1 = require_compile();
    var codegen_2 = require_codegen();
    var resolve_1 = require_resolve();
    var dataType_1 = require_dataType();
    var util_1 = require_util();
    var $dataRefSchema = require_data();
    var uri_1 = require_uri();
    var defaultRegExp = (str2, flags) => new RegExp(str2, flags);
    defaultRegExp.code = "new RegExp";
    var META_IGNORE_OPTIONS = ["removeAdditional", "useDefaults", "coerceTypes"];
    var EXT_SCOPE_NAMES = /* @__PURE__ */ new Set([
      "validate",
      "serialize",
      "parse",
      "wrapper",
      "root",
      "schema",
      "keyword",
      "pattern",
      "formats",
      "validate$data",
      "func",
      "obj",
      "Error"
    ]);
    var removedOptions = {
      errorDataPath: "",
      format: "`validateFormats: false` can be used instead.",
      nullable: '"nullable" keyword is supported by default.',
      jsonPointers: "Deprecated jsPropertySyntax can be used instead.",
      extendRefs: "Deprecated ignoreKeywordsWithRef can be used instead.",
      missingRefs: "Pass empty schema with $id that should be ignored to ajv.addSchema.",
      processCode: "Use option `code: {process: (code, schemaEnv: object) => string}`",
      sourceCode: "Use option `code: {source: true}`",
      strictDefaults: "It is default now, see option `strict`.",
      strictKeywords: "It is default now, see option `strict`.",
      uniqueItems: '"uniqueItems" keyword is always validated.',
      unknownFormats: "Disable strict mode or pass `true` to `ajv.addFormat` (or `formats` option).",
      cache: "Map is used as cache, schema object as key.",
      serialize: "Map is used as cache, schema object as key.",
      ajvErrors: "It is default now."
    };
    var deprecatedOptions = {
      ignoreKeywordsWithRef: "",
      jsPropertySyntax: "",
      unicode: '"minLength"/"maxLength" account for unicode characters by default.'
    };
    var MAX_EXPRESSION = 200;
    function requiredOptions(o2) {
      var _a, _b, _c, _d, _e, _f, _g, _h, _j, _k, _l, _m, _o, _p, _q, _r, _s, _t, _u, _v, _w, _x, _y, _z, _0;
      const s = o2.strict;
      const _optz = (_a = o2.code) === null || _a === void 0 ? void 0 : _a.optimize;
      const optimize = _optz === true || _optz === void 0 ? 1 : _optz || 0;
      const regExp = (_c = (_b = o2.code) === null || _b === void 0 ? void 0 : _b.regExp) !== null && _c !== void 0 ? _c : defaultRegExp;
      const uriResolver = (_d = o2.uriResolver) !== null && _d !== void 0 ? _d : uri_1.default;
      return {
        strictSchema: (_f = (_e = o2.strictSchema) !== null && _e !== void 0 ? _e : s) !== null && _f !== void 0 ? _f : true,
        strictNumbers: (_h = (_g = o2.strictNumbers) !== null && _g !== void 0 ? _g : s) !== null && _h !== void 0 ? _h : true,
        strictTypes: (_k = (_j = o2.strictTypes) !== null && _j !== void 0 ? _j : s) !== null && _k !== void 0 ? _k : "log",
        strictTuples: (_m = (_l = o2.strictTuples) !== null && _l !== void 0 ? _l : s) !== null && _m !== void 0 ? _m : "log",
        strictRequired: (_p = (_o = o2.strictRequired) !== null && _o !== void 0 ? _o : s) !== null && _p !== void 0 ? _p : false,
        code: o2.code ? { ...o2.code, optimize, regExp } : { optimize, regExp },
        loopRequired: (_q = o2.loopRequired) !== null && _q !== void 0 ? _q : MAX_EXPRESSION,
        loopEnum: (_r = o2.loopEnum) !== null && _r !== void 0 ? _r : MAX_EXPRESSION,
        meta: (_s = o2.meta) !== null && _s !== void 0 ? _s : true,
        messages: (_t = o2.messages) !== null && _t !== void 0 ? _t : true,
        inlineRefs: (_u = o2.inlineRefs) !== null && _u !== void 0 ? _u : true,
        schemaId: (_v = o2.schemaId) !== null && _v !== void 0 ? _v : "$id",
        addUsedSchema: (_w = o2.addUsedSchema) !== null && _w !== void 0 ? _w : true,
        validateSchema: (_x = o2.validateSchema) !== null && _x !== void 0 ? _x : true,
        validateFormats: (_y = o2.validateFormats) !== null && _y !== void 0 ? _y : true,
        unicodeRegExp: (_z = o2.unicodeRegExp) !== null && _z !== void 0 ? _z : true,
        int32range: (_0 = o2.int32range) !== null && _0 !== void 0 ? _0 : true,
        uriResolver
      };
    }
    var Ajv = class {
      constructor(opts2 = {}) {
        this.schemas = {};
        this.refs = {};
        this.formats = /* @__PURE__ */ Object.create(null);
        this._compilations = /* @__PURE__ */ new Set();
        this._loading = {};
        this._cache = /* @__PURE__ */ new Map();
        opts2 = this.opts = { ...opts2, ...requiredOptions(opts2) };
        const { es5, lines } = this.opts.code;
        this.scope = new codegen_2.ValueScope({ scope: {}, prefixes: EXT_SCOPE_NAMES, es5, lines });
        this.logger = getLogger(opts2.logger);
        const formatOpt = opts2.validateFormats;
        opts2.validateFormats = false;
        this.RULES = (0, rules_1.getRules)();
        checkOptions.call(this, removedOptions, opts2, "NOT SUPPORTED");
        checkOptions.call(this, deprecatedOptions, opts2, "DEPRECATED", "warn");
        this._metaOpts = getMetaSchemaOptions.call(this);
        if (opts2.formats)
          addInitialFormats.call(this);
        this._addVocabularies();
        this._addDefaultMetaSchema();
        if (opts2.keywords)
          addInitialKeywords.call(this, opts2.keywords);
        if (typeof opts2.meta == "object")
          this.addMetaSchema(opts2.meta);
        addInitialSchemas.call(this);
        opts2.validateFormats = formatOpt;
      }
      _addVocabularies() {
        this.addKeyword("$async");
      }
      _addDefaultMetaSchema() {
        const { $data, meta, schemaId } = this.opts;
        let _dataRefSchema = $dataRefSchema;
        if (schemaId === "id") {
          _dataRefSchema = { ...$dataRefSchema };
          _dataRefSchema.id = _dataRefSchema.$id;
          delete _dataRefSchema.$id;
        }
        if (meta && $data)
          this.addMetaSchema(_dataRefSchema, _dataRefSchema[schemaId], false);
      }
      defaultMeta() {
        const { meta, schemaId } = this.opts;
        return this.opts.defaultMeta = typeof meta == "object" ? meta[schemaId] || meta : void 0;
      }
      validate(schemaKeyRef, data) {
        let v;
        if (typeof schemaKeyRef == "string") {
          v = this.getSchema(schemaKeyRef);
          if (!v)
            throw new Error(`no schema with key or ref "${schemaKeyRef}"`);
        } else {
          v = this.compile(schemaKeyRef);
        }
        const valid = v(data);
        if (!("$async" in v))
          this.errors = v.errors;
        return valid;
      }
      compile(schema, _meta) {
        const sch = this._addSchema(schema, _meta);
        return sch.validate || this._compileSchemaEnv(sch);
      }
      compileAsync(schema, meta) {
        if (typeof this.opts.loadSchema != "function") {
          throw new Error("options.loadSchema should be a function");
        }
        const { loadSchema } = this.opts;
        return runCompileAsync.call(this, schema, meta);
        async function runCompileAsync(_schema, _meta) {
          await loadMetaSchema.call(this, _schema.$schema);
          const sch = this._addSchema(_schema, _meta);
          return sch.validate || _compileAsync.call(this, sch);
        }
        async function loadMetaSchema($ref) {
          if ($ref && !this.getSchema($ref)) {
            await runCompileAsync.call(this, { $ref }, true);
          }
        }
        async function _compileAsync(sch) {
          try {
            return this._compileSchemaEnv(sch);
          } catch (e) {
            if (!(e instanceof ref_error_1.default))
              throw e;
            checkLoaded.call(this, e);
            await loadMissingSchema.call(this, e.missingSchema);
            return _compileAsync.call(this, sch);
          }
        }
        function checkLoaded({ missingSchema: ref, missingRef }) {
          if (this.refs[ref]) {
            throw new Error(`AnySchema ${ref} is loaded but ${missingRef} cannot be resolved`);
          }
        }
        async function loadMissingSchema(ref) {
          const _schema = await _loadSchema.call(this, ref);
          if (!this.refs[ref])
            await loadMetaSchema.call(this, _schema.$schema);
          if (!this.refs[ref])
            this.addSchema(_schema, ref, meta);
        }
        async function _loadSchema(ref) {
          const p = this._loading[ref];
          if (p)
            return p;
          try {
            return await (this._loading[ref] = loadSchema(ref));
          } finally {
            delete this._loading[ref];
          }
        }
      }
      // Adds schema to the instance
      addSchema(schema, key, _meta, _validateSchema = this.opts.validateSchema) {
        if (Array.isArray(schema)) {
          for (const sch of schema)
            this.addSchema(sch, void 0, _meta, _validateSchema);
          return this;
        }
        let id;
        if (typeof schema === "object") {
          const { schemaId } = this.opts;
          id = schema[schemaId];
          if (id !== void 0 && typeof id != "string") {
            throw new Error(`schema ${schemaId} must be string`);
          }
        }
        key = (0, resolve_1.normalizeId)(key || id);
        this._checkUnique(key);
        this.schemas[key] = this._addSchema(schema, _meta, key, _validateSchema, true);
        return this;
      }
      // Add schema that will be used to validate other schemas
      // options in META_IGNORE_OPTIONS are alway set to false
      addMetaSchema(schema, key, _validateSchema = this.opts.validateSchema) {
        this.addSchema(schema, key, true, _validateSchema);
        return this;
      }
      //  Validate schema against its meta-schema
      validateSchema(schema, throwOrLogError) {
        if (typeof schema == "boolean")
          return true;
        let $schema;
        $schema = schema.$schema;
        if ($schema !== void 0 && typeof $schema != "string") {
          throw new Error("$schema must be a string");
        }
        $schema = $schema || this.opts.defaultMeta || this.defaultMeta();
        if (!$schema) {
          this.logger.warn("meta-schema not available");
          this.errors = null;
          return true;
        }
        const valid = this.validate($schema, schema);
        if (!valid && throwOrLogError) {
          const message = "schema is invalid: " + this.errorsText();
          if (this.opts.validateSchema === "log")
            this.logger.error(message);
          else
            throw new Error(message);
        }
        return valid;
      }
      // Get compiled schema by `key` or `ref`.
      // (`key` that was passed to `addSchema` or full schema reference - `schema.$id` or resolved id)
      getSchema(keyRef) {
        let sch;
        while (typeof (sch = getSchEnv.call(this, keyRef)) == "string")
          keyRef = sch;
        if (sch === void 0) {
          const { schemaId } = this.opts;
          const root = new compile_1.SchemaEnv({ schema: {}, schemaId });
          sch = compile_1.resolveSchema.call(this, root, keyRef);
          if (!sch)
            return;
          this.refs[keyRef] = sch;
        }
        return sch.validate || this._compileSchemaEnv(sch);
      }
      // Remove cached schema(s).
      // If no parameter is passed all schemas but meta-schemas are removed.
      // If RegExp is passed all schemas with key/id matching pattern but meta-schemas are removed.
      // Even if schema is referenced by other schemas it still can be removed as other schemas have local references.
      removeSchema(schemaKeyRef) {
        if (schemaKeyRef instanceof RegExp) {
          this._removeAllSchemas(this.schemas, schemaKeyRef);
          this._removeAllSchemas(this.refs, schemaKeyRef);
          return this;
        }
        switch (typeof schemaKeyRef) {
          case "undefined":
            this._removeAllSchemas(this.schemas);
            this._removeAllSchemas(this.refs);
            this._cache.clear();
            return this;
          case "string": {
            const sch = getSchEnv.call(this, schemaKeyRef);
            if (typeof sch == "object")
              this._cache.delete(sch.schema);
            delete this.schemas[schemaKeyRef];
            delete this.refs[schemaKeyRef];
            return this;
          }
          case "object": {
            const cacheKey = schemaKeyRef;
            this._cache.delete(cacheKey);
            let id = schemaKeyRef[this.opts.schemaId];
            if (id) {
              id = (0, resolve_1.normalizeId)(id);
              delete this.schemas[id];
              delete this.refs[id];
            }
            return this;
          }
          default:
            throw new Error("ajv.removeSchema: invalid parameter");
        }
      }
      // add "vocabulary" - a collection of keywords
      addVocabulary(definitions) {
        for (const def of definitions)
          this.addKeyword(def);
        return this;
      }
      addKeyword(kwdOrDef, def) {
        let keyword;
        if (typeof kwdOrDef == "string") {
          keyword = kwdOrDef;
          if (typeof def == "object") {
            this.logger.warn("these parameters are deprecated, see docs for addKeyword");
            def.keyword = keyword;
          }
        } else if (typeof kwdOrDef == "object" && def === void 0) {
          def = kwdOrDef;
          keyword = def.keyword;
          if (Array.isArray(keyword) && !keyword.length) {
            throw new Error("addKeywords: keyword must be string or non-empty array");
          }
        } else {
          throw new Error("invalid addKeywords parameters");
        }
        checkKeyword.call(this, keyword, def);
        if (!def) {
          (0, util_1.eachItem)(keyword, (kwd) => addRule.call(this, kwd));
          return this;
        }
        keywordMetaschema.call(this, def);
        const definition = {
          ...def,
          type: (0, dataType_1.getJSONTypes)(def.type),
          schemaType: (0, dataType_1.getJSONTypes)(def.schemaType)
        };
        (0, util_1.eachItem)(keyword, definition.type.length === 0 ? (k) => addRule.call(this, k, definition) : (k) => definition.type.forEach((t) => addRule.call(this, k, definition, t)));
        return this;
      }
      getKeyword(keyword) {
        const rule = this.RULES.all[keyword];
        return typeof rule == "object" ? rule.definition : !!rule;
      }
      // Remove keyword
      removeKeyword(keyword) {
        const { RULES } = this;
        delete RULES.keywords[keyword];
        delete RULES.all[keyword];
        for (const group of RULES.rules) {
          const i2 = group.rules.findIndex((rule) => rule.keyword === keyword);
          if (i2 >= 0)
            group.rules.splice(i2, 1);
        }
        return this;
      }
      // Add format
      addFormat(name, format2) {
        if (typeof format2 == "string")
          format2 = new RegExp(format2);
        this.formats[name] = format2;
        return this;
      }
      errorsText(errors = this.errors, { separator = ", ", dataVar = "data" } = {}) {
        if (!errors || errors.length === 0)
          return "No errors";
        return errors.map((e) => `${dataVar}${e.instancePath} ${e.message}`).reduce((text, msg) => text + separator + msg);
      }
      $dataMetaSchema(metaSchema, keywordsJsonPointers) {
        const rules = this.RULES.all;
        metaSchema = JSON.parse(JSON.stringify(metaSchema));
        for (const jsonPointer of keywordsJsonPointers) {
          const segments = jsonPointer.split("/").slice(1);
          let keywords = metaSchema;
          for (const seg of segments)
            keywords = keywords[seg];
          for (const key in rules) {
            const rule = rules[key];
            if (typeof rule != "object")
              continue;
            const { $data } = rule.definition;
            const schema = keywords[key];
            if ($data && schema)
              keywords[key] = schemaOrData(schema);
          }
        }
        return metaSchema;
      }
      _removeAllSchemas(schemas, regex) {
        for (const keyRef in schemas) {
          const sch = schemas[keyRef];
          if (!regex || regex.test(keyRef)) {
            if (typeof sch == "string") {
              delete schemas[keyRef];
            } else if (sch && !sch.meta) {
              this._cache.delete(sch.schema);
              delete schemas[keyRef];
            }
          }
        }
      }
      _addSchema(schema, meta, baseId, validateSchema = this.opts.validateSchema, addSchema = this.opts.addUsedSchema) {
        let id;
        const { schemaId } = this.opts;
        if (typeof schema == "object") {
          id = schema[schemaId];
        } else {
          if (this.opts.jtd)
            throw new Error("schema must be object");
          else if (typeof schema != "boolean")
            throw new Error("schema must be object or boolean");
        }
        let sch = this._cache.get(schema);
        if (sch !== void 0)
          return sch;
        baseId = (0, resolve_1.normalizeId)(id || baseId);
        const localRefs = resolve_1.getSchemaRefs.call(this, schema, baseId);
        sch = new compile_1.SchemaEnv({ schema, schemaId, meta, baseId, localRefs });
        this._cache.set(sch.schema, sch);
        if (addSchema && !baseId.startsWith("#")) {
          if (baseId)
            this._checkUnique(baseId);
          this.refs[baseId] = sch;
        }
        if (validateSchema)
          this.validateSchema(schema, true);
        return sch;
      }
      _checkUnique(id) {
        if (this.schemas[id] || this.refs[id]) {
          throw new Error(`schema with key or id "${id}" already exists`);
        }
      }
      _compileSchemaEnv(sch) {
        if (sch.meta)
          this._compileMetaSchema(sch);
        else
          compile_1.compileSchema.call(this, sch);
        if (!sch.validate)
          throw new Error("ajv implementation error");
        return sch.validate;
      }
      _compileMetaSchema(sch) {
        const currentOpts = this.opts;
        this.opts = this._metaOpts;
        try {
          compile_1.compileSchema.call(this, sch);
        } finally {
          this.opts = currentOpts;
        }
      }
    };
    Ajv.ValidationError = validation_error_1.default;
    Ajv.MissingRefError = ref_error_1.default;
    exports.default = Ajv;
    function checkOptions(checkOpts, options, msg, log2 = "error") {
      for (const key in checkOpts) {
        const opt = key;
        if (opt in options)
          this.logger[log2](`${msg}: option ${key}. ${checkOpts[opt]}`);
      }
    }
    function getSchEnv(keyRef) {
      keyRef = (0, resolve_1.normalizeId)(keyRef);
      return this.schemas[keyRef] || this.refs[keyRef];
    }
    function addInitialSchemas() {
      const optsSchemas = this.opts.schemas;
      if (!optsSchemas)
        return;
      if (Array.isArray(optsSchemas))
        this.addSchema(optsSchemas);
      else
        for (const key in optsSchemas)
          this.addSchema(optsSchemas[key], key);
    }
    function addInitialFormats() {
      for (const name in this.opts.formats) {
        const format2 = this.opts.formats[name];
        if (format2)
          this.addFormat(name, format2);
      }
    }
    function addInitialKeywords(defs) {
      if (Array.isArray(defs)) {
        this.addVocabulary(defs);
        return;
      }
      this.logger.warn("keywords option as map is deprecated, pass array");
      for (const keyword in defs) {
        const def = defs[keyword];
        if (!def.keyword)
          def.keyword = keyword;
        this.addKeyword(def);
      }
    }
    function getMetaSchemaOptions() {
      const metaOpts = { ...this.opts };
      for (const opt of META_IGNORE_OPTIONS)
        delete metaOpts[opt];
      return metaOpts;
    }
    var noLogs = { log() {
    }, warn() {
    }, error() {
    } };
    function getLogger(logger) {
      if (logger === false)
        return noLogs;
      if (logger === void 0)
        return console;
      if (logger.log && logger.warn && logger.error)
        return logger;
      throw new Error("logger must implement log, warn and error methods");
    }
    var KEYWORD_NAME = /^[a-z_$][a-z0-9_$:-]*$/i;
    function checkKeyword(keyword, def) {
      const { RULES } = this;
      (0, util_1.eachItem)(keyword, (kwd) => {
        if (RULES.keywords[kwd])
          throw new Error(`Keyword ${kwd} is already defined`);
        if (!KEYWORD_NAME.test(kwd))
          throw new Error(`Keyword ${kwd} has invalid name`);
      });
      if (!def)
        return;
      if (def.$data && !("code" in def || "validate" in def)) {
        throw new Error('$data keyword must have "code" or "validate" function');
      }
    }
    function addRule(keyword, definition, dataType) {
      var _a;
      const post = definition === null || definition === void 0 ? void 0 : definition.post;
      if (dataType && post)
        throw new Error('keyword with "post" flag cannot have "type"');
      const { RULES } = this;
      let ruleGroup = post ? RULES.post : RULES.rules.find(({ type: t }) => t === dataType);
      if (!ruleGroup) {
        ruleGroup = { type: dataType, rules: [] };
        RULES.rules.push(ruleGroup);
      }
      RULES.keywords[keyword] = true;
      if (!definition)
        return;
      const rule = {
        keyword,
        definition: {
          ...definition,
          type: (0, dataType_1.getJSONTypes)(definition.type),
          schemaType: (0, dataType_1.getJSONTypes)(definition.schemaType)
        }
      };
      if (definition.before)
        addBeforeRule.call(this, ruleGroup, rule, definition.before);
      else
        ruleGroup.rules.push(rule);
      RULES.all[keyword] = rule;
      (_a = definition.implements) === null || _a === void 0 ? void 0 : _a.forEach((kwd) => this.addKeyword(kwd));
    }
    function addBeforeRule(ruleGroup, rule, before) {
      const i2 = ruleGroup.rules.findIndex((_rule) => _rule.keyword === before);
      if (i2 >= 0) {
        ruleGroup.rules.splice(i2, 0, rule);
      } else {
        ruleGroup.rules.push(rule);
        this.logger.warn(`rule ${before} is not defined`);
      }
    }
    function keywordMetaschema(def) {
      let { metaSchema } = def;
      if (metaSchema === void 0)
        return;
      if (def.$data && this.opts.$data)
        metaSchema = schemaOrData(metaSchema);
      def.validateSchema = this.compile(metaSchema, true);
    }
    var $dataRef = {
      $ref: "https://raw.githubusercontent.com/ajv-validator/ajv/master/lib/refs/data.json#"
    };
    function schemaOrData(schema) {
      return { anyOf: [schema, $dataRef] };
    }
  }
});

// node_modules/ajv/dist/vocabularies/core/id.js
var require_id = __commonJS({
  "node_modules/ajv/dist/vocabularies/core/id.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var def = {
      keyword: "id",
      code() {
        throw new Error('NOT SUPPORTED: keyword "id", use "$id" for schema ID');
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/core/ref.js
var require_ref = __commonJS({
  "node_modules/ajv/dist/vocabularies/core/ref.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.callRef = exports.getValidate = void 0;
    var ref_error_1 = require_ref_error();
    var code_1 = require_code2();
    var codegen_1 = require_codegen();
    var names_1 = require_names();
    var compile_1 = require_compile();
    var util_1 = require_util();
    var def = {
      keyword: "$ref",
      schemaType: "string",
      code(cxt) {
        const { gen, schema: $ref, it } = cxt;
        const { baseId, schemaEnv: env, validateName, opts: opts2, self: self2 } = it;
        const { root } = env;
        if (($ref === "#" || $ref === "#/") && baseId === root.baseId)
          return callRootRef();
        const schOrEnv = compile_1.resolveRef.call(self2, root, baseId, $ref);
        if (schOrEnv === void 0)
          throw new ref_error_1.default(it.opts.uriResolver, baseId, $ref);
        if (schOrEnv instanceof compile_1.SchemaEnv)
          return callValidate(schOrEnv);
        return inlineRefSchema(schOrEnv);
        function callRootRef() {
          if (env === root)
            return callRef(cxt, validateName, env, env.$async);
          const rootName = gen.scopeValue("root", { ref: root });
          return callRef(cxt, (0, codegen_1._)`${rootName}.validate`, root, root.$async);
        }
        function callValidate(sch) {
          const v = getValidate(cxt, sch);
          callRef(cxt, v, sch, sch.$async);
        }
        function inlineRefSchema(sch) {
          const schName = gen.scopeValue("schema", opts2.code.source === true ? { ref: sch, code: (0, codegen_1.stringify)(sch) } : { ref: sch });
          const valid = gen.name("valid");
          const schCxt = cxt.subschema({
            schema: sch,
            dataTypes: [],
            schemaPath: codegen_1.nil,
            topSchemaRef: schName,
            errSchemaPath: $ref
          }, valid);
          cxt.mergeEvaluated(schCxt);
          cxt.ok(valid);
        }
      }
    };
    function getValidate(cxt, sch) {
      const { gen } = cxt;
      return sch.validate ? gen.scopeValue("validate", { ref: sch.validate }) : (0, codegen_1._)`${gen.scopeValue("wrapper", { ref: sch })}.validate`;
    }
    exports.getValidate = getValidate;
    function callRef(cxt, v, sch, $async) {
      const { gen, it } = cxt;
      const { allErrors, schemaEnv: env, opts: opts2 } = it;
      const passCxt = opts2.passContext ? names_1.default.this : codegen_1.nil;
      if ($async)
        callAsyncRef();
      else
        callSyncRef();
      function callAsyncRef() {
        if (!env.$async)
          throw new Error("async schema referenced by sync schema");
        const valid = gen.let("valid");
        gen.try(() => {
          gen.code((0, codegen_1._)`await ${(0, code_1.callValidateCode)(cxt, v, passCxt)}`);
          addEvaluatedFrom(v);
          if (!allErrors)
            gen.assign(valid, true);
        }, (e) => {
          gen.if((0, codegen_1._)`!(${e} instanceof ${it.ValidationError})`, () => gen.throw(e));
          addErrorsFrom(e);
          if (!allErrors)
            gen.assign(valid, false);
        });
        cxt.ok(valid);
      }
      function callSyncRef() {
        cxt.result((0, code_1.callValidateCode)(cxt, v, passCxt), () => addEvaluatedFrom(v), () => addErrorsFrom(v));
      }
      function addErrorsFrom(source) {
        const errs = (0, codegen_1._)`${source}.errors`;
        gen.assign(names_1.default.vErrors, (0, codegen_1._)`${names_1.default.vErrors} === null ? ${errs} : ${names_1.default.vErrors}.concat(${errs})`);
        gen.assign(names_1.default.errors, (0, codegen_1._)`${names_1.default.vErrors}.length`);
      }
      function addEvaluatedFrom(source) {
        var _a;
        if (!it.opts.unevaluated)
          return;
        const schEvaluated = (_a = sch === null || sch === void 0 ? void 0 : sch.validate) === null || _a === void 0 ? void 0 : _a.evaluated;
        if (it.props !== true) {
          if (schEvaluated && !schEvaluated.dynamicProps) {
            if (schEvaluated.props !== void 0) {
              it.props = util_1.mergeEvaluated.props(gen, schEvaluated.props, it.props);
            }
          } else {
            const props = gen.var("props", (0, codegen_1._)`${source}.evaluated.props`);
            it.props = util_1.mergeEvaluated.props(gen, props, it.props, codegen_1.Name);
          }
        }
        if (it.items !== true) {
          if (schEvaluated && !schEvaluated.dynamicItems) {
            if (schEvaluated.items !== void 0) {
              it.items = util_1.mergeEvaluated.items(gen, schEvaluated.items, it.items);
            }
          } else {
            const items = gen.var("items", (0, codegen_1._)`${source}.evaluated.items`);
            it.items = util_1.mergeEvaluated.items(gen, items, it.items, codegen_1.Name);
          }
        }
      }
    }
    exports.callRef = callRef;
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/core/index.js
var require_core2 = __commonJS({
  "node_modules/ajv/dist/vocabularies/core/index.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var id_1 = require_id();
    var ref_1 = require_ref();
    var core = [
      "$schema",
      "$id",
      "$defs",
      "$vocabulary",
      { keyword: "$comment" },
      "definitions",
      id_1.default,
      ref_1.default
    ];
    exports.default = core;
  }
});

// node_modules/ajv/dist/vocabularies/validation/limitNumber.js
var require_limitNumber = __commonJS({
  "node_modules/ajv/dist/vocabularies/validation/limitNumber.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var codegen_1 = require_codegen();
    var ops = codegen_1.operators;
    var KWDs = {
      maximum: { okStr: "<=", ok: ops.LTE, fail: ops.GT },
      minimum: { okStr: ">=", ok: ops.GTE, fail: ops.LT },
      exclusiveMaximum: { okStr: "<", ok: ops.LT, fail: ops.GTE },
      exclusiveMinimum: { okStr: ">", ok: ops.GT, fail: ops.LTE }
    };
    var error = {
      message: ({ keyword, schemaCode }) => (0, codegen_1.str)`must be ${KWDs[keyword].okStr} ${schemaCode}`,
      params: ({ keyword, schemaCode }) => (0, codegen_1._)`{comparison: ${KWDs[keyword].okStr}, limit: ${schemaCode}}`
    };
    var def = {
      keyword: Object.keys(KWDs),
      type: "number",
      schemaType: "number",
      $data: true,
      error,
      code(cxt) {
        const { keyword, data, schemaCode } = cxt;
        cxt.fail$data((0, codegen_1._)`${data} ${KWDs[keyword].fail} ${schemaCode} || isNaN(${data})`);
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/validation/multipleOf.js
var require_multipleOf = __commonJS({
  "node_modules/ajv/dist/vocabularies/validation/multipleOf.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var codegen_1 = require_codegen();
    var error = {
      message: ({ schemaCode }) => (0, codegen_1.str)`must be multiple of ${schemaCode}`,
      params: ({ schemaCode }) => (0, codegen_1._)`{multipleOf: ${schemaCode}}`
    };
    var def = {
      keyword: "multipleOf",
      type: "number",
      schemaType: "number",
      $data: true,
      error,
      code(cxt) {
        const { gen, data, schemaCode, it } = cxt;
        const prec = it.opts.multipleOfPrecision;
        const res = gen.let("res");
        const invalid = prec ? (0, codegen_1._)`Math.abs(Math.round(${res}) - ${res}) > 1e-${prec}` : (0, codegen_1._)`${res} !== parseInt(${res})`;
        cxt.fail$data((0, codegen_1._)`(${schemaCode} === 0 || (${res} = ${data}/${schemaCode}, ${invalid}))`);
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/runtime/ucs2length.js
var require_ucs2length = __commonJS({
  "node_modules/ajv/dist/runtime/ucs2length.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    function ucs2length(str2) {
      const len = str2.length;
      let length = 0;
      let pos = 0;
      let value;
      while (pos < len) {
        length++;
        value = str2.charCodeAt(pos++);
        if (value >= 55296 && value <= 56319 && pos < len) {
          value = str2.charCodeAt(pos);
          if ((value & 64512) === 56320)
            pos++;
        }
      }
      return length;
    }
    exports.default = ucs2length;
    ucs2length.code = 'require("ajv/dist/runtime/ucs2length").default';
  }
});

// node_modules/ajv/dist/vocabularies/validation/limitLength.js
var require_limitLength = __commonJS({
  "node_modules/ajv/dist/vocabularies/validation/limitLength.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    var ucs2length_1 = require_ucs2length();
    var error = {
      message({ keyword, schemaCode }) {
        const comp = keyword === "maxLength" ? "more" : "fewer";
        return (0, codegen_1.str)`must NOT have ${comp} than ${schemaCode} characters`;
      },
      params: ({ schemaCode }) => (0, codegen_1._)`{limit: ${schemaCode}}`
    };
    var def = {
      keyword: ["maxLength", "minLength"],
      type: "string",
      schemaType: "number",
      $data: true,
      error,
      code(cxt) {
        const { keyword, data, schemaCode, it } = cxt;
        const op = keyword === "maxLength" ? codegen_1.operators.GT : codegen_1.operators.LT;
        const len = it.opts.unicode === false ? (0, codegen_1._)`${data}.length` : (0, codegen_1._)`${(0, util_1.useFunc)(cxt.gen, ucs2length_1.default)}(${data})`;
        cxt.fail$data((0, codegen_1._)`${len} ${op} ${schemaCode}`);
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/validation/pattern.js
var require_pattern = __commonJS({
  "node_modules/ajv/dist/vocabularies/validation/pattern.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var code_1 = require_code2();
    var util_1 = require_util();
    var codegen_1 = require_codegen();
    var error = {
      message: ({ schemaCode }) => (0, codegen_1.str)`must match pattern "${schemaCode}"`,
      params: ({ schemaCode }) => (0, codegen_1._)`{pattern: ${schemaCode}}`
    };
    var def = {
      keyword: "pattern",
      type: "string",
      schemaType: "string",
      $data: true,
      error,
      code(cxt) {
        const { gen, data, $data, schema, schemaCode, it } = cxt;
        const u2 = it.opts.unicodeRegExp ? "u" : "";
        if ($data) {
          const { regExp } = it.opts.code;
          const regExpCode = regExp.code === "new RegExp" ? (0, codegen_1._)`new RegExp` : (0, util_1.useFunc)(gen, regExp);
          const valid = gen.let("valid");
          gen.try(() => gen.assign(valid, (0, codegen_1._)`${regExpCode}(${schemaCode}, ${u2}).test(${data})`), () => gen.assign(valid, false));
          cxt.fail$data((0, codegen_1._)`!${valid}`);
        } else {
          const regExp = (0, code_1.usePattern)(cxt, schema);
          cxt.fail$data((0, codegen_1._)`!${regExp}.test(${data})`);
        }
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/validation/limitProperties.js
var require_limitProperties = __commonJS({
  "node_modules/ajv/dist/vocabularies/validation/limitProperties.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var codegen_1 = require_codegen();
    var error = {
      message({ keyword, schemaCode }) {
        const comp = keyword === "maxProperties" ? "more" : "fewer";
        return (0, codegen_1.str)`must NOT have ${comp} than ${schemaCode} properties`;
      },
      params: ({ schemaCode }) => (0, codegen_1._)`{limit: ${schemaCode}}`
    };
    var def = {
      keyword: ["maxProperties", "minProperties"],
      type: "object",
      schemaType: "number",
      $data: true,
      error,
      code(cxt) {
        const { keyword, data, schemaCode } = cxt;
        const op = keyword === "maxProperties" ? codegen_1.operators.GT : codegen_1.operators.LT;
        cxt.fail$data((0, codegen_1._)`Object.keys(${data}).length ${op} ${schemaCode}`);
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/validation/required.js
var require_required = __commonJS({
  "node_modules/ajv/dist/vocabularies/validation/required.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var code_1 = require_code2();
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    var error = {
      message: ({ params: { missingProperty } }) => (0, codegen_1.str)`must have required property '${missingProperty}'`,
      params: ({ params: { missingProperty } }) => (0, codegen_1._)`{missingProperty: ${missingProperty}}`
    };
    var def = {
      keyword: "required",
      type: "object",
      schemaType: "array",
      $data: true,
      error,
      code(cxt) {
        const { gen, schema, schemaCode, data, $data, it } = cxt;
        const { opts: opts2 } = it;
        if (!$data && schema.length === 0)
          return;
        const useLoop = schema.length >= opts2.loopRequired;
        if (it.allErrors)
          allErrorsMode();
        else
          exitOnErrorMode();
        if (opts2.strictRequired) {
          const props = cxt.parentSchema.properties;
          const { definedProperties } = cxt.it;
          for (const requiredKey of schema) {
            if ((props === null || props === void 0 ? void 0 : props[requiredKey]) === void 0 && !definedProperties.has(requiredKey)) {
              const schemaPath = it.schemaEnv.baseId + it.errSchemaPath;
              const msg = `required property "${requiredKey}" is not defined at "${schemaPath}" (strictRequired)`;
              (0, util_1.checkStrictMode)(it, msg, it.opts.strictRequired);
            }
          }
        }
        function allErrorsMode() {
          if (useLoop || $data) {
            cxt.block$data(codegen_1.nil, loopAllRequired);
          } else {
            for (const prop of schema) {
              (0, code_1.checkReportMissingProp)(cxt, prop);
            }
          }
        }
        function exitOnErrorMode() {
          const missing = gen.let("missing");
          if (useLoop || $data) {
            const valid = gen.let("valid", true);
            cxt.block$data(valid, () => loopUntilMissing(missing, valid));
            cxt.ok(valid);
          } else {
            gen.if((0, code_1.checkMissingProp)(cxt, schema, missing));
            (0, code_1.reportMissingProp)(cxt, missing);
            gen.else();
          }
        }
        function loopAllRequired() {
          gen.forOf("prop", schemaCode, (prop) => {
            cxt.setParams({ missingProperty: prop });
            gen.if((0, code_1.noPropertyInData)(gen, data, prop, opts2.ownProperties), () => cxt.error());
          });
        }
        function loopUntilMissing(missing, valid) {
          cxt.setParams({ missingProperty: missing });
          gen.forOf(missing, schemaCode, () => {
            gen.assign(valid, (0, code_1.propertyInData)(gen, data, missing, opts2.ownProperties));
            gen.if((0, codegen_1.not)(valid), () => {
              cxt.error();
              gen.break();
            });
          }, codegen_1.nil);
        }
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/validation/limitItems.js
var require_limitItems = __commonJS({
  "node_modules/ajv/dist/vocabularies/validation/limitItems.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var codegen_1 = require_codegen();
    var error = {
      message({ keyword, schemaCode }) {
        const comp = keyword === "maxItems" ? "more" : "fewer";
        return (0, codegen_1.str)`must NOT have ${comp} than ${schemaCode} items`;
      },
      params: ({ schemaCode }) => (0, codegen_1._)`{limit: ${schemaCode}}`
    };
    var def = {
      keyword: ["maxItems", "minItems"],
      type: "array",
      schemaType: "number",
      $data: true,
      error,
      code(cxt) {
        const { keyword, data, schemaCode } = cxt;
        const op = keyword === "maxItems" ? codegen_1.operators.GT : codegen_1.operators.LT;
        cxt.fail$data((0, codegen_1._)`${data}.length ${op} ${schemaCode}`);
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/runtime/equal.js
var require_equal = __commonJS({
  "node_modules/ajv/dist/runtime/equal.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var equal = require_fast_deep_equal();
    equal.code = 'require("ajv/dist/runtime/equal").default';
    exports.default = equal;
  }
});

// node_modules/ajv/dist/vocabularies/validation/uniqueItems.js
var require_uniqueItems = __commonJS({
  "node_modules/ajv/dist/vocabularies/validation/uniqueItems.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var dataType_1 = require_dataType();
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    var equal_1 = require_equal();
    var error = {
      message: ({ params: { i: i2, j } }) => (0, codegen_1.str)`must NOT have duplicate items (items ## ${j} and ${i2} are identical)`,
      params: ({ params: { i: i2, j } }) => (0, codegen_1._)`{i: ${i2}, j: ${j}}`
    };
    var def = {
      keyword: "uniqueItems",
      type: "array",
      schemaType: "boolean",
      $data: true,
      error,
      code(cxt) {
        const { gen, data, $data, schema, parentSchema, schemaCode, it } = cxt;
        if (!$data && !schema)
          return;
        const valid = gen.let("valid");
        const itemTypes = parentSchema.items ? (0, dataType_1.getSchemaTypes)(parentSchema.items) : [];
        cxt.block$data(valid, validateUniqueItems, (0, codegen_1._)`${schemaCode} === false`);
        cxt.ok(valid);
        function validateUniqueItems() {
          const i2 = gen.let("i", (0, codegen_1._)`${data}.length`);
          const j = gen.let("j");
          cxt.setParams({ i: i2, j });
          gen.assign(valid, true);
          gen.if((0, codegen_1._)`${i2} > 1`, () => (canOptimize() ? loopN : loopN2)(i2, j));
        }
        function canOptimize() {
          return itemTypes.length > 0 && !itemTypes.some((t) => t === "object" || t === "array");
        }
        function loopN(i2, j) {
          const item = gen.name("item");
          const wrongType = (0, dataType_1.checkDataTypes)(itemTypes, item, it.opts.strictNumbers, dataType_1.DataType.Wrong);
          const indices = gen.const("indices", (0, codegen_1._)`{}`);
          gen.for((0, codegen_1._)`;${i2}--;`, () => {
            gen.let(item, (0, codegen_1._)`${data}[${i2}]`);
            gen.if(wrongType, (0, codegen_1._)`continue`);
            if (itemTypes.length > 1)
              gen.if((0, codegen_1._)`typeof ${item} == "string"`, (0, codegen_1._)`${item} += "_"`);
            gen.if((0, codegen_1._)`typeof ${indices}[${item}] == "number"`, () => {
              gen.assign(j, (0, codegen_1._)`${indices}[${item}]`);
              cxt.error();
              gen.assign(valid, false).break();
            }).code((0, codegen_1._)`${indices}[${item}] = ${i2}`);
          });
        }
        function loopN2(i2, j) {
          const eql = (0, util_1.useFunc)(gen, equal_1.default);
          const outer = gen.name("outer");
          gen.label(outer).for((0, codegen_1._)`;${i2}--;`, () => gen.for((0, codegen_1._)`${j} = ${i2}; ${j}--;`, () => gen.if((0, codegen_1._)`${eql}(${data}[${i2}], ${data}[${j}])`, () => {
            cxt.error();
            gen.assign(valid, false).break(outer);
          })));
        }
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/validation/const.js
var require_const = __commonJS({
  "node_modules/ajv/dist/vocabularies/validation/const.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    var equal_1 = require_equal();
    var error = {
      message: "must be equal to constant",
      params: ({ schemaCode }) => (0, codegen_1._)`{allowedValue: ${schemaCode}}`
    };
    var def = {
      keyword: "const",
      $data: true,
      error,
      code(cxt) {
        const { gen, data, $data, schemaCode, schema } = cxt;
        if ($data || schema && typeof schema == "object") {
          cxt.fail$data((0, codegen_1._)`!${(0, util_1.useFunc)(gen, equal_1.default)}(${data}, ${schemaCode})`);
        } else {
          cxt.fail((0, codegen_1._)`${schema} !== ${data}`);
        }
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/validation/enum.js
var require_enum = __commonJS({
  "node_modules/ajv/dist/vocabularies/validation/enum.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    var equal_1 = require_equal();
    var error = {
      message: "must be equal to one of the allowed values",
      params: ({ schemaCode }) => (0, codegen_1._)`{allowedValues: ${schemaCode}}`
    };
    var def = {
      keyword: "enum",
      schemaType: "array",
      $data: true,
      error,
      code(cxt) {
        const { gen, data, $data, schema, schemaCode, it } = cxt;
        if (!$data && schema.length === 0)
          throw new Error("enum must have non-empty array");
        const useLoop = schema.length >= it.opts.loopEnum;
        let eql;
        const getEql = () => eql !== null && eql !== void 0 ? eql : eql = (0, util_1.useFunc)(gen, equal_1.default);
        let valid;
        if (useLoop || $data) {
          valid = gen.let("valid");
          cxt.block$data(valid, loopEnum);
        } else {
          if (!Array.isArray(schema))
            throw new Error("ajv implementation error");
          const vSchema = gen.const("vSchema", schemaCode);
          valid = (0, codegen_1.or)(...schema.map((_x, i2) => equalCode(vSchema, i2)));
        }
        cxt.pass(valid);
        function loopEnum() {
          gen.assign(valid, false);
          gen.forOf("v", schemaCode, (v) => gen.if((0, codegen_1._)`${getEql()}(${data}, ${v})`, () => gen.assign(valid, true).break()));
        }
        function equalCode(vSchema, i2) {
          const sch = schema[i2];
          return typeof sch === "object" && sch !== null ? (0, codegen_1._)`${getEql()}(${data}, ${vSchema}[${i2}])` : (0, codegen_1._)`${data} === ${sch}`;
        }
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/validation/index.js
var require_validation = __commonJS({
  "node_modules/ajv/dist/vocabularies/validation/index.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var limitNumber_1 = require_limitNumber();
    var multipleOf_1 = require_multipleOf();
    var limitLength_1 = require_limitLength();
    var pattern_1 = require_pattern();
    var limitProperties_1 = require_limitProperties();
    var required_1 = require_required();
    var limitItems_1 = require_limitItems();
    var uniqueItems_1 = require_uniqueItems();
    var const_1 = require_const();
    var enum_1 = require_enum();
    var validation = [
      // number
      limitNumber_1.default,
      multipleOf_1.default,
      // string
      limitLength_1.default,
      pattern_1.default,
      // object
      limitProperties_1.default,
      required_1.default,
      // array
      limitItems_1.default,
      uniqueItems_1.default,
      // any
      { keyword: "type", schemaType: ["string", "array"] },
      { keyword: "nullable", schemaType: "boolean" },
      const_1.default,
      enum_1.default
    ];
    exports.default = validation;
  }
});

// node_modules/ajv/dist/vocabularies/applicator/additionalItems.js
var require_additionalItems = __commonJS({
  "node_modules/ajv/dist/vocabularies/applicator/additionalItems.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.validateAdditionalItems = void 0;
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    var error = {
      message: ({ params: { len } }) => (0, codegen_1.str)`must NOT have more than ${len} items`,
      params: ({ params: { len } }) => (0, codegen_1._)`{limit: ${len}}`
    };
    var def = {
      keyword: "additionalItems",
      type: "array",
      schemaType: ["boolean", "object"],
      before: "uniqueItems",
      error,
      code(cxt) {
        const { parentSchema, it } = cxt;
        const { items } = parentSchema;
        if (!Array.isArray(items)) {
          (0, util_1.checkStrictMode)(it, '"additionalItems" is ignored when "items" is not an array of schemas');
          return;
        }
        validateAdditionalItems(cxt, items);
      }
    };
    function validateAdditionalItems(cxt, items) {
      const { gen, schema, data, keyword, it } = cxt;
      it.items = true;
      const len = gen.const("len", (0, codegen_1._)`${data}.length`);
      if (schema === false) {
        cxt.setParams({ len: items.length });
        cxt.pass((0, codegen_1._)`${len} <= ${items.length}`);
      } else if (typeof schema == "object" && !(0, util_1.alwaysValidSchema)(it, schema)) {
        const valid = gen.var("valid", (0, codegen_1._)`${len} <= ${items.length}`);
        gen.if((0, codegen_1.not)(valid), () => validateItems(valid));
        cxt.ok(valid);
      }
      function validateItems(valid) {
        gen.forRange("i", items.length, len, (i2) => {
          cxt.subschema({ keyword, dataProp: i2, dataPropType: util_1.Type.Num }, valid);
          if (!it.allErrors)
            gen.if((0, codegen_1.not)(valid), () => gen.break());
        });
      }
    }
    exports.validateAdditionalItems = validateAdditionalItems;
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/applicator/items.js
var require_items = __commonJS({
  "node_modules/ajv/dist/vocabularies/applicator/items.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.validateTuple = void 0;
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    var code_1 = require_code2();
    var def = {
      keyword: "items",
      type: "array",
      schemaType: ["object", "array", "boolean"],
      before: "uniqueItems",
      code(cxt) {
        const { schema, it } = cxt;
        if (Array.isArray(schema))
          return validateTuple(cxt, "additionalItems", schema);
        it.items = true;
        if ((0, util_1.alwaysValidSchema)(it, schema))
          return;
        cxt.ok((0, code_1.validateArray)(cxt));
      }
    };
    function validateTuple(cxt, extraItems, schArr = cxt.schema) {
      const { gen, parentSchema, data, keyword, it } = cxt;
      checkStrictTuple(parentSchema);
      if (it.opts.unevaluated && schArr.length && it.items !== true) {
        it.items = util_1.mergeEvaluated.items(gen, schArr.length, it.items);
      }
      const valid = gen.name("valid");
      const len = gen.const("len", (0, codegen_1._)`${data}.length`);
      schArr.forEach((sch, i2) => {
        if ((0, util_1.alwaysValidSchema)(it, sch))
          return;
        gen.if((0, codegen_1._)`${len} > ${i2}`, () => cxt.subschema({
          keyword,
          schemaProp: i2,
          dataProp: i2
        }, valid));
        cxt.ok(valid);
      });
      function checkStrictTuple(sch) {
        const { opts: opts2, errSchemaPath } = it;
        const l = schArr.length;
        const fullTuple = l === sch.minItems && (l === sch.maxItems || sch[extraItems] === false);
        if (opts2.strictTuples && !fullTuple) {
          const msg = `"${keyword}" is ${l}-tuple, but minItems or maxItems/${extraItems} are not specified or different at path "${errSchemaPath}"`;
          (0, util_1.checkStrictMode)(it, msg, opts2.strictTuples);
        }
      }
    }
    exports.validateTuple = validateTuple;
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/applicator/prefixItems.js
var require_prefixItems = __commonJS({
  "node_modules/ajv/dist/vocabularies/applicator/prefixItems.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var items_1 = require_items();
    var def = {
      keyword: "prefixItems",
      type: "array",
      schemaType: ["array"],
      before: "uniqueItems",
      code: (cxt) => (0, items_1.validateTuple)(cxt, "items")
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/applicator/items2020.js
var require_items2020 = __commonJS({
  "node_modules/ajv/dist/vocabularies/applicator/items2020.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    var code_1 = require_code2();
    var additionalItems_1 = require_additionalItems();
    var error = {
      message: ({ params: { len } }) => (0, codegen_1.str)`must NOT have more than ${len} items`,
      params: ({ params: { len } }) => (0, codegen_1._)`{limit: ${len}}`
    };
    var def = {
      keyword: "items",
      type: "array",
      schemaType: ["object", "boolean"],
      before: "uniqueItems",
      error,
      code(cxt) {
        const { schema, parentSchema, it } = cxt;
        const { prefixItems } = parentSchema;
        it.items = true;
        if ((0, util_1.alwaysValidSchema)(it, schema))
          return;
        if (prefixItems)
          (0, additionalItems_1.validateAdditionalItems)(cxt, prefixItems);
        else
          cxt.ok((0, code_1.validateArray)(cxt));
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/applicator/contains.js
var require_contains = __commonJS({
  "node_modules/ajv/dist/vocabularies/applicator/contains.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    var error = {
      message: ({ params: { min, max } }) => max === void 0 ? (0, codegen_1.str)`must contain at least ${min} valid item(s)` : (0, codegen_1.str)`must contain at least ${min} and no more than ${max} valid item(s)`,
      params: ({ params: { min, max } }) => max === void 0 ? (0, codegen_1._)`{minContains: ${min}}` : (0, codegen_1._)`{minContains: ${min}, maxContains: ${max}}`
    };
    var def = {
      keyword: "contains",
      type: "array",
      schemaType: ["object", "boolean"],
      before: "uniqueItems",
      trackErrors: true,
      error,
      code(cxt) {
        const { gen, schema, parentSchema, data, it } = cxt;
        let min;
        let max;
        const { minContains, maxContains } = parentSchema;
        if (it.opts.next) {
          min = minContains === void 0 ? 1 : minContains;
          max = maxContains;
        } else {
          min = 1;
        }
        const len = gen.const("len", (0, codegen_1._)`${data}.length`);
        cxt.setParams({ min, max });
        if (max === void 0 && min === 0) {
          (0, util_1.checkStrictMode)(it, `"minContains" == 0 without "maxContains": "contains" keyword ignored`);
          return;
        }
        if (max !== void 0 && min > max) {
          (0, util_1.checkStrictMode)(it, `"minContains" > "maxContains" is always invalid`);
          cxt.fail();
          return;
        }
        if ((0, util_1.alwaysValidSchema)(it, schema)) {
          let cond = (0, codegen_1._)`${len} >= ${min}`;
          if (max !== void 0)
            cond = (0, codegen_1._)`${cond} && ${len} <= ${max}`;
          cxt.pass(cond);
          return;
        }
        it.items = true;
        const valid = gen.name("valid");
        if (max === void 0 && min === 1) {
          validateItems(valid, () => gen.if(valid, () => gen.break()));
        } else if (min === 0) {
          gen.let(valid, true);
          if (max !== void 0)
            gen.if((0, codegen_1._)`${data}.length > 0`, validateItemsWithCount);
        } else {
          gen.let(valid, false);
          validateItemsWithCount();
        }
        cxt.result(valid, () => cxt.reset());
        function validateItemsWithCount() {
          const schValid = gen.name("_valid");
          const count2 = gen.let("count", 0);
          validateItems(schValid, () => gen.if(schValid, () => checkLimits(count2)));
        }
        function validateItems(_valid, block) {
          gen.forRange("i", 0, len, (i2) => {
            cxt.subschema({
              keyword: "contains",
              dataProp: i2,
              dataPropType: util_1.Type.Num,
              compositeRule: true
            }, _valid);
            block();
          });
        }
        function checkLimits(count2) {
          gen.code((0, codegen_1._)`${count2}++`);
          if (max === void 0) {
            gen.if((0, codegen_1._)`${count2} >= ${min}`, () => gen.assign(valid, true).break());
          } else {
            gen.if((0, codegen_1._)`${count2} > ${max}`, () => gen.assign(valid, false).break());
            if (min === 1)
              gen.assign(valid, true);
            else
              gen.if((0, codegen_1._)`${count2} >= ${min}`, () => gen.assign(valid, true));
          }
        }
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/applicator/dependencies.js
var require_dependencies = __commonJS({
  "node_modules/ajv/dist/vocabularies/applicator/dependencies.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.validateSchemaDeps = exports.validatePropertyDeps = exports.error = void 0;
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    var code_1 = require_code2();
    exports.error = {
      message: ({ params: { property, depsCount, deps } }) => {
        const property_ies = depsCount === 1 ? "property" : "properties";
        return (0, codegen_1.str)`must have ${property_ies} ${deps} when property ${property} is present`;
      },
      params: ({ params: { property, depsCount, deps, missingProperty } }) => (0, codegen_1._)`{property: ${property},
    missingProperty: ${missingProperty},
    depsCount: ${depsCount},
    deps: ${deps}}`
      // TODO change to reference
    };
    var def = {
      keyword: "dependencies",
      type: "object",
      schemaType: "object",
      error: exports.error,
      code(cxt) {
        const [propDeps, schDeps] = splitDependencies(cxt);
        validatePropertyDeps(cxt, propDeps);
        validateSchemaDeps(cxt, schDeps);
      }
    };
    function splitDependencies({ schema }) {
      const propertyDeps = {};
      const schemaDeps = {};
      for (const key in schema) {
        if (key === "__proto__")
          continue;
        const deps = Array.isArray(schema[key]) ? propertyDeps : schemaDeps;
        deps[key] = schema[key];
      }
      return [propertyDeps, schemaDeps];
    }
    function validatePropertyDeps(cxt, propertyDeps = cxt.schema) {
      const { gen, data, it } = cxt;
      if (Object.keys(propertyDeps).length === 0)
        return;
      const missing = gen.let("missing");
      for (const prop in propertyDeps) {
        const deps = propertyDeps[prop];
        if (deps.length === 0)
          continue;
        const hasProperty = (0, code_1.propertyInData)(gen, data, prop, it.opts.ownProperties);
        cxt.setParams({
          property: prop,
          depsCount: deps.length,
          deps: deps.join(", ")
        });
        if (it.allErrors) {
          gen.if(hasProperty, () => {
            for (const depProp of deps) {
              (0, code_1.checkReportMissingProp)(cxt, depProp);
            }
          });
        } else {
          gen.if((0, codegen_1._)`${hasProperty} && (${(0, code_1.checkMissingProp)(cxt, deps, missing)})`);
          (0, code_1.reportMissingProp)(cxt, missing);
          gen.else();
        }
      }
    }
    exports.validatePropertyDeps = validatePropertyDeps;
    function validateSchemaDeps(cxt, schemaDeps = cxt.schema) {
      const { gen, data, keyword, it } = cxt;
      const valid = gen.name("valid");
      for (const prop in schemaDeps) {
        if ((0, util_1.alwaysValidSchema)(it, schemaDeps[prop]))
          continue;
        gen.if(
          (0, code_1.propertyInData)(gen, data, prop, it.opts.ownProperties),
          () => {
            const schCxt = cxt.subschema({ keyword, schemaProp: prop }, valid);
            cxt.mergeValidEvaluated(schCxt, valid);
          },
          () => gen.var(valid, true)
          // TODO var
        );
        cxt.ok(valid);
      }
    }
    exports.validateSchemaDeps = validateSchemaDeps;
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/applicator/propertyNames.js
var require_propertyNames = __commonJS({
  "node_modules/ajv/dist/vocabularies/applicator/propertyNames.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    var error = {
      message: "property name must be valid",
      params: ({ params }) => (0, codegen_1._)`{propertyName: ${params.propertyName}}`
    };
    var def = {
      keyword: "propertyNames",
      type: "object",
      schemaType: ["object", "boolean"],
      error,
      code(cxt) {
        const { gen, schema, data, it } = cxt;
        if ((0, util_1.alwaysValidSchema)(it, schema))
          return;
        const valid = gen.name("valid");
        gen.forIn("key", data, (key) => {
          cxt.setParams({ propertyName: key });
          cxt.subschema({
            keyword: "propertyNames",
            data: key,
            dataTypes: ["string"],
            propertyName: key,
            compositeRule: true
          }, valid);
          gen.if((0, codegen_1.not)(valid), () => {
            cxt.error(true);
            if (!it.allErrors)
              gen.break();
          });
        });
        cxt.ok(valid);
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/applicator/additionalProperties.js
var require_additionalProperties = __commonJS({
  "node_modules/ajv/dist/vocabularies/applicator/additionalProperties.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var code_1 = require_code2();
    var codegen_1 = require_codegen();
    var names_1 = require_names();
    var util_1 = require_util();
    var error = {
      message: "must NOT have additional properties",
      params: ({ params }) => (0, codegen_1._)`{additionalProperty: ${params.additionalProperty}}`
    };
    var def = {
      keyword: "additionalProperties",
      type: ["object"],
      schemaType: ["boolean", "object"],
      allowUndefined: true,
      trackErrors: true,
      error,
      code(cxt) {
        const { gen, schema, parentSchema, data, errsCount, it } = cxt;
        if (!errsCount)
          throw new Error("ajv implementation error");
        const { allErrors, opts: opts2 } = it;
        it.props = true;
        if (opts2.removeAdditional !== "all" && (0, util_1.alwaysValidSchema)(it, schema))
          return;
        const props = (0, code_1.allSchemaProperties)(parentSchema.properties);
        const patProps = (0, code_1.allSchemaProperties)(parentSchema.patternProperties);
        checkAdditionalProperties();
        cxt.ok((0, codegen_1._)`${errsCount} === ${names_1.default.errors}`);
        function checkAdditionalProperties() {
          gen.forIn("key", data, (key) => {
            if (!props.length && !patProps.length)
              additionalPropertyCode(key);
            else
              gen.if(isAdditional(key), () => additionalPropertyCode(key));
          });
        }
        function isAdditional(key) {
          let definedProp;
          if (props.length > 8) {
            const propsSchema = (0, util_1.schemaRefOrVal)(it, parentSchema.properties, "properties");
            definedProp = (0, code_1.isOwnProperty)(gen, propsSchema, key);
          } else if (props.length) {
            definedProp = (0, codegen_1.or)(...props.map((p) => (0, codegen_1._)`${key} === ${p}`));
          } else {
            definedProp = codegen_1.nil;
          }
          if (patProps.length) {
            definedProp = (0, codegen_1.or)(definedProp, ...patProps.map((p) => (0, codegen_1._)`${(0, code_1.usePattern)(cxt, p)}.test(${key})`));
          }
          return (0, codegen_1.not)(definedProp);
        }
        function deleteAdditional(key) {
          gen.code((0, codegen_1._)`delete ${data}[${key}]`);
        }
        function additionalPropertyCode(key) {
          if (opts2.removeAdditional === "all" || opts2.removeAdditional && schema === false) {
            deleteAdditional(key);
            return;
          }
          if (schema === false) {
            cxt.setParams({ additionalProperty: key });
            cxt.error();
            if (!allErrors)
              gen.break();
            return;
          }
          if (typeof schema == "object" && !(0, util_1.alwaysValidSchema)(it, schema)) {
            const valid = gen.name("valid");
            if (opts2.removeAdditional === "failing") {
              applyAdditionalSchema(key, valid, false);
              gen.if((0, codegen_1.not)(valid), () => {
                cxt.reset();
                deleteAdditional(key);
              });
            } else {
              applyAdditionalSchema(key, valid);
              if (!allErrors)
                gen.if((0, codegen_1.not)(valid), () => gen.break());
            }
          }
        }
        function applyAdditionalSchema(key, valid, errors) {
          const subschema = {
            keyword: "additionalProperties",
            dataProp: key,
            dataPropType: util_1.Type.Str
          };
          if (errors === false) {
            Object.assign(subschema, {
              compositeRule: true,
              createErrors: false,
              allErrors: false
            });
          }
          cxt.subschema(subschema, valid);
        }
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/applicator/properties.js
var require_properties = __commonJS({
  "node_modules/ajv/dist/vocabularies/applicator/properties.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var validate_1 = require_validate();
    var code_1 = require_code2();
    var util_1 = require_util();
    var additionalProperties_1 = require_additionalProperties();
    var def = {
      keyword: "properties",
      type: "object",
      schemaType: "object",
      code(cxt) {
        const { gen, schema, parentSchema, data, it } = cxt;
        if (it.opts.removeAdditional === "all" && parentSchema.additionalProperties === void 0) {
          additionalProperties_1.default.code(new validate_1.KeywordCxt(it, additionalProperties_1.default, "additionalProperties"));
        }
        const allProps = (0, code_1.allSchemaProperties)(schema);
        for (const prop of allProps) {
          it.definedProperties.add(prop);
        }
        if (it.opts.unevaluated && allProps.length && it.props !== true) {
          it.props = util_1.mergeEvaluated.props(gen, (0, util_1.toHash)(allProps), it.props);
        }
        const properties = allProps.filter((p) => !(0, util_1.alwaysValidSchema)(it, schema[p]));
        if (properties.length === 0)
          return;
        const valid = gen.name("valid");
        for (const prop of properties) {
          if (hasDefault(prop)) {
            applyPropertySchema(prop);
          } else {
            gen.if((0, code_1.propertyInData)(gen, data, prop, it.opts.ownProperties));
            applyPropertySchema(prop);
            if (!it.allErrors)
              gen.else().var(valid, true);
            gen.endIf();
          }
          cxt.it.definedProperties.add(prop);
          cxt.ok(valid);
        }
        function hasDefault(prop) {
          return it.opts.useDefaults && !it.compositeRule && schema[prop].default !== void 0;
        }
        function applyPropertySchema(prop) {
          cxt.subschema({
            keyword: "properties",
            schemaProp: prop,
            dataProp: prop
          }, valid);
        }
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/applicator/patternProperties.js
var require_patternProperties = __commonJS({
  "node_modules/ajv/dist/vocabularies/applicator/patternProperties.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var code_1 = require_code2();
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    var util_2 = require_util();
    var def = {
      keyword: "patternProperties",
      type: "object",
      schemaType: "object",
      code(cxt) {
        const { gen, schema, data, parentSchema, it } = cxt;
        const { opts: opts2 } = it;
        const patterns = (0, code_1.allSchemaProperties)(schema);
        const alwaysValidPatterns = patterns.filter((p) => (0, util_1.alwaysValidSchema)(it, schema[p]));
        if (patterns.length === 0 || alwaysValidPatterns.length === patterns.length && (!it.opts.unevaluated || it.props === true)) {
          return;
        }
        const checkProperties = opts2.strictSchema && !opts2.allowMatchingProperties && parentSchema.properties;
        const valid = gen.name("valid");
        if (it.props !== true && !(it.props instanceof codegen_1.Name)) {
          it.props = (0, util_2.evaluatedPropsToName)(gen, it.props);
        }
        const { props } = it;
        validatePatternProperties();
        function validatePatternProperties() {
          for (const pat of patterns) {
            if (checkProperties)
              checkMatchingProperties(pat);
            if (it.allErrors) {
              validateProperties(pat);
            } else {
              gen.var(valid, true);
              validateProperties(pat);
              gen.if(valid);
            }
          }
        }
        function checkMatchingProperties(pat) {
          for (const prop in checkProperties) {
            if (new RegExp(pat).test(prop)) {
              (0, util_1.checkStrictMode)(it, `property ${prop} matches pattern ${pat} (use allowMatchingProperties)`);
            }
          }
        }
        function validateProperties(pat) {
          gen.forIn("key", data, (key) => {
            gen.if((0, codegen_1._)`${(0, code_1.usePattern)(cxt, pat)}.test(${key})`, () => {
              const alwaysValid = alwaysValidPatterns.includes(pat);
              if (!alwaysValid) {
                cxt.subschema({
                  keyword: "patternProperties",
                  schemaProp: pat,
                  dataProp: key,
                  dataPropType: util_2.Type.Str
                }, valid);
              }
              if (it.opts.unevaluated && props !== true) {
                gen.assign((0, codegen_1._)`${props}[${key}]`, true);
              } else if (!alwaysValid && !it.allErrors) {
                gen.if((0, codegen_1.not)(valid), () => gen.break());
              }
            });
          });
        }
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/applicator/not.js
var require_not = __commonJS({
  "node_modules/ajv/dist/vocabularies/applicator/not.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var util_1 = require_util();
    var def = {
      keyword: "not",
      schemaType: ["object", "boolean"],
      trackErrors: true,
      code(cxt) {
        const { gen, schema, it } = cxt;
        if ((0, util_1.alwaysValidSchema)(it, schema)) {
          cxt.fail();
          return;
        }
        const valid = gen.name("valid");
        cxt.subschema({
          keyword: "not",
          compositeRule: true,
          createErrors: false,
          allErrors: false
        }, valid);
        cxt.failResult(valid, () => cxt.reset(), () => cxt.error());
      },
      error: { message: "must NOT be valid" }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/applicator/anyOf.js
var require_anyOf = __commonJS({
  "node_modules/ajv/dist/vocabularies/applicator/anyOf.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var code_1 = require_code2();
    var def = {
      keyword: "anyOf",
      schemaType: "array",
      trackErrors: true,
      code: code_1.validateUnion,
      error: { message: "must match a schema in anyOf" }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/applicator/oneOf.js
var require_oneOf = __commonJS({
  "node_modules/ajv/dist/vocabularies/applicator/oneOf.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    var error = {
      message: "must match exactly one schema in oneOf",
      params: ({ params }) => (0, codegen_1._)`{passingSchemas: ${params.passing}}`
    };
    var def = {
      keyword: "oneOf",
      schemaType: "array",
      trackErrors: true,
      error,
      code(cxt) {
        const { gen, schema, parentSchema, it } = cxt;
        if (!Array.isArray(schema))
          throw new Error("ajv implementation error");
        if (it.opts.discriminator && parentSchema.discriminator)
          return;
        const schArr = schema;
        const valid = gen.let("valid", false);
        const passing = gen.let("passing", null);
        const schValid = gen.name("_valid");
        cxt.setParams({ passing });
        gen.block(validateOneOf);
        cxt.result(valid, () => cxt.reset(), () => cxt.error(true));
        function validateOneOf() {
          schArr.forEach((sch, i2) => {
            let schCxt;
            if ((0, util_1.alwaysValidSchema)(it, sch)) {
              gen.var(schValid, true);
            } else {
              schCxt = cxt.subschema({
                keyword: "oneOf",
                schemaProp: i2,
                compositeRule: true
              }, schValid);
            }
            if (i2 > 0) {
              gen.if((0, codegen_1._)`${schValid} && ${valid}`).assign(valid, false).assign(passing, (0, codegen_1._)`[${passing}, ${i2}]`).else();
            }
            gen.if(schValid, () => {
              gen.assign(valid, true);
              gen.assign(passing, i2);
              if (schCxt)
                cxt.mergeEvaluated(schCxt, codegen_1.Name);
            });
          });
        }
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/applicator/allOf.js
var require_allOf = __commonJS({
  "node_modules/ajv/dist/vocabularies/applicator/allOf.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var util_1 = require_util();
    var def = {
      keyword: "allOf",
      schemaType: "array",
      code(cxt) {
        const { gen, schema, it } = cxt;
        if (!Array.isArray(schema))
          throw new Error("ajv implementation error");
        const valid = gen.name("valid");
        schema.forEach((sch, i2) => {
          if ((0, util_1.alwaysValidSchema)(it, sch))
            return;
          const schCxt = cxt.subschema({ keyword: "allOf", schemaProp: i2 }, valid);
          cxt.ok(valid);
          cxt.mergeEvaluated(schCxt);
        });
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/applicator/if.js
var require_if = __commonJS({
  "node_modules/ajv/dist/vocabularies/applicator/if.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var codegen_1 = require_codegen();
    var util_1 = require_util();
    var error = {
      message: ({ params }) => (0, codegen_1.str)`must match "${params.ifClause}" schema`,
      params: ({ params }) => (0, codegen_1._)`{failingKeyword: ${params.ifClause}}`
    };
    var def = {
      keyword: "if",
      schemaType: ["object", "boolean"],
      trackErrors: true,
      error,
      code(cxt) {
        const { gen, parentSchema, it } = cxt;
        if (parentSchema.then === void 0 && parentSchema.else === void 0) {
          (0, util_1.checkStrictMode)(it, '"if" without "then" and "else" is ignored');
        }
        const hasThen = hasSchema(it, "then");
        const hasElse = hasSchema(it, "else");
        if (!hasThen && !hasElse)
          return;
        const valid = gen.let("valid", true);
        const schValid = gen.name("_valid");
        validateIf();
        cxt.reset();
        if (hasThen && hasElse) {
          const ifClause = gen.let("ifClause");
          cxt.setParams({ ifClause });
          gen.if(schValid, validateClause("then", ifClause), validateClause("else", ifClause));
        } else if (hasThen) {
          gen.if(schValid, validateClause("then"));
        } else {
          gen.if((0, codegen_1.not)(schValid), validateClause("else"));
        }
        cxt.pass(valid, () => cxt.error(true));
        function validateIf() {
          const schCxt = cxt.subschema({
            keyword: "if",
            compositeRule: true,
            createErrors: false,
            allErrors: false
          }, schValid);
          cxt.mergeEvaluated(schCxt);
        }
        function validateClause(keyword, ifClause) {
          return () => {
            const schCxt = cxt.subschema({ keyword }, schValid);
            gen.assign(valid, schValid);
            cxt.mergeValidEvaluated(schCxt, valid);
            if (ifClause)
              gen.assign(ifClause, (0, codegen_1._)`${keyword}`);
            else
              cxt.setParams({ ifClause: keyword });
          };
        }
      }
    };
    function hasSchema(it, keyword) {
      const schema = it.schema[keyword];
      return schema !== void 0 && !(0, util_1.alwaysValidSchema)(it, schema);
    }
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/applicator/thenElse.js
var require_thenElse = __commonJS({
  "node_modules/ajv/dist/vocabularies/applicator/thenElse.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var util_1 = require_util();
    var def = {
      keyword: ["then", "else"],
      schemaType: ["object", "boolean"],
      code({ keyword, parentSchema, it }) {
        if (parentSchema.if === void 0)
          (0, util_1.checkStrictMode)(it, `"${keyword}" without "if" is ignored`);
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/applicator/index.js
var require_applicator = __commonJS({
  "node_modules/ajv/dist/vocabularies/applicator/index.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var additionalItems_1 = require_additionalItems();
    var prefixItems_1 = require_prefixItems();
    var items_1 = require_items();
    var items2020_1 = require_items2020();
    var contains_1 = require_contains();
    var dependencies_1 = require_dependencies();
    var propertyNames_1 = require_propertyNames();
    var additionalProperties_1 = require_additionalProperties();
    var properties_1 = require_properties();
    var patternProperties_1 = require_patternProperties();
    var not_1 = require_not();
    var anyOf_1 = require_anyOf();
    var oneOf_1 = require_oneOf();
    var allOf_1 = require_allOf();
    var if_1 = require_if();
    var thenElse_1 = require_thenElse();
    function getApplicator(draft2020 = false) {
      const applicator = [
        // any
        not_1.default,
        anyOf_1.default,
        oneOf_1.default,
        allOf_1.default,
        if_1.default,
        thenElse_1.default,
        // object
        propertyNames_1.default,
        additionalProperties_1.default,
        dependencies_1.default,
        properties_1.default,
        patternProperties_1.default
      ];
      if (draft2020)
        applicator.push(prefixItems_1.default, items2020_1.default);
      else
        applicator.push(additionalItems_1.default, items_1.default);
      applicator.push(contains_1.default);
      return applicator;
    }
    exports.default = getApplicator;
  }
});

// node_modules/ajv/dist/vocabularies/format/format.js
var require_format = __commonJS({
  "node_modules/ajv/dist/vocabularies/format/format.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var codegen_1 = require_codegen();
    var error = {
      message: ({ schemaCode }) => (0, codegen_1.str)`must match format "${schemaCode}"`,
      params: ({ schemaCode }) => (0, codegen_1._)`{format: ${schemaCode}}`
    };
    var def = {
      keyword: "format",
      type: ["number", "string"],
      schemaType: "string",
      $data: true,
      error,
      code(cxt, ruleType) {
        const { gen, data, $data, schema, schemaCode, it } = cxt;
        const { opts: opts2, errSchemaPath, schemaEnv, self: self2 } = it;
        if (!opts2.validateFormats)
          return;
        if ($data)
          validate$DataFormat();
        else
          validateFormat();
        function validate$DataFormat() {
          const fmts = gen.scopeValue("formats", {
            ref: self2.formats,
            code: opts2.code.formats
          });
          const fDef = gen.const("fDef", (0, codegen_1._)`${fmts}[${schemaCode}]`);
          const fType = gen.let("fType");
          const format2 = gen.let("format");
          gen.if((0, codegen_1._)`typeof ${fDef} == "object" && !(${fDef} instanceof RegExp)`, () => gen.assign(fType, (0, codegen_1._)`${fDef}.type || "string"`).assign(format2, (0, codegen_1._)`${fDef}.validate`), () => gen.assign(fType, (0, codegen_1._)`"string"`).assign(format2, fDef));
          cxt.fail$data((0, codegen_1.or)(unknownFmt(), invalidFmt()));
          function unknownFmt() {
            if (opts2.strictSchema === false)
              return codegen_1.nil;
            return (0, codegen_1._)`${schemaCode} && !${format2}`;
          }
          function invalidFmt() {
            const callFormat = schemaEnv.$async ? (0, codegen_1._)`(${fDef}.async ? await ${format2}(${data}) : ${format2}(${data}))` : (0, codegen_1._)`${format2}(${data})`;
            const validData = (0, codegen_1._)`(typeof ${format2} == "function" ? ${callFormat} : ${format2}.test(${data}))`;
            return (0, codegen_1._)`${format2} && ${format2} !== true && ${fType} === ${ruleType} && !${validData}`;
          }
        }
        function validateFormat() {
          const formatDef = self2.formats[schema];
          if (!formatDef) {
            unknownFormat();
            return;
          }
          if (formatDef === true)
            return;
          const [fmtType, format2, fmtRef] = getFormat(formatDef);
          if (fmtType === ruleType)
            cxt.pass(validCondition());
          function unknownFormat() {
            if (opts2.strictSchema === false) {
              self2.logger.warn(unknownMsg());
              return;
            }
            throw new Error(unknownMsg());
            function unknownMsg() {
              return `unknown format "${schema}" ignored in schema at path "${errSchemaPath}"`;
            }
          }
          function getFormat(fmtDef) {
            const code = fmtDef instanceof RegExp ? (0, codegen_1.regexpCode)(fmtDef) : opts2.code.formats ? (0, codegen_1._)`${opts2.code.formats}${(0, codegen_1.getProperty)(schema)}` : void 0;
            const fmt = gen.scopeValue("formats", { key: schema, ref: fmtDef, code });
            if (typeof fmtDef == "object" && !(fmtDef instanceof RegExp)) {
              return [fmtDef.type || "string", fmtDef.validate, (0, codegen_1._)`${fmt}.validate`];
            }
            return ["string", fmtDef, fmt];
          }
          function validCondition() {
            if (typeof formatDef == "object" && !(formatDef instanceof RegExp) && formatDef.async) {
              if (!schemaEnv.$async)
                throw new Error("async format in sync schema");
              return (0, codegen_1._)`await ${fmtRef}(${data})`;
            }
            return typeof format2 == "function" ? (0, codegen_1._)`${fmtRef}(${data})` : (0, codegen_1._)`${fmtRef}.test(${data})`;
          }
        }
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/vocabularies/format/index.js
var require_format2 = __commonJS({
  "node_modules/ajv/dist/vocabularies/format/index.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var format_1 = require_format();
    var format2 = [format_1.default];
    exports.default = format2;
  }
});

// node_modules/ajv/dist/vocabularies/metadata.js
var require_metadata = __commonJS({
  "node_modules/ajv/dist/vocabularies/metadata.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.contentVocabulary = exports.metadataVocabulary = void 0;
    exports.metadataVocabulary = [
      "title",
      "description",
      "default",
      "deprecated",
      "readOnly",
      "writeOnly",
      "examples"
    ];
    exports.contentVocabulary = [
      "contentMediaType",
      "contentEncoding",
      "contentSchema"
    ];
  }
});

// node_modules/ajv/dist/vocabularies/draft7.js
var require_draft7 = __commonJS({
  "node_modules/ajv/dist/vocabularies/draft7.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var core_1 = require_core2();
    var validation_1 = require_validation();
    var applicator_1 = require_applicator();
    var format_1 = require_format2();
    var metadata_1 = require_metadata();
    var draft7Vocabularies = [
      core_1.default,
      validation_1.default,
      (0, applicator_1.default)(),
      format_1.default,
      metadata_1.metadataVocabulary,
      metadata_1.contentVocabulary
    ];
    exports.default = draft7Vocabularies;
  }
});

// node_modules/ajv/dist/vocabularies/discriminator/types.js
var require_types = __commonJS({
  "node_modules/ajv/dist/vocabularies/discriminator/types.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.DiscrError = void 0;
    var DiscrError;
    (function(DiscrError2) {
      DiscrError2["Tag"] = "tag";
      DiscrError2["Mapping"] = "mapping";
    })(DiscrError || (exports.DiscrError = DiscrError = {}));
  }
});

// node_modules/ajv/dist/vocabularies/discriminator/index.js
var require_discriminator = __commonJS({
  "node_modules/ajv/dist/vocabularies/discriminator/index.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    var codegen_1 = require_codegen();
    var types_1 = require_types();
    var compile_1 = require_compile();
    var ref_error_1 = require_ref_error();
    var util_1 = require_util();
    var error = {
      message: ({ params: { discrError, tagName } }) => discrError === types_1.DiscrError.Tag ? `tag "${tagName}" must be string` : `value of tag "${tagName}" must be in oneOf`,
      params: ({ params: { discrError, tag, tagName } }) => (0, codegen_1._)`{error: ${discrError}, tag: ${tagName}, tagValue: ${tag}}`
    };
    var def = {
      keyword: "discriminator",
      type: "object",
      schemaType: "object",
      error,
      code(cxt) {
        const { gen, data, schema, parentSchema, it } = cxt;
        const { oneOf: oneOf2 } = parentSchema;
        if (!it.opts.discriminator) {
          throw new Error("discriminator: requires discriminator option");
        }
        const tagName = schema.propertyName;
        if (typeof tagName != "string")
          throw new Error("discriminator: requires propertyName");
        if (schema.mapping)
          throw new Error("discriminator: mapping is not supported");
        if (!oneOf2)
          throw new Error("discriminator: requires oneOf keyword");
        const valid = gen.let("valid", false);
        const tag = gen.const("tag", (0, codegen_1._)`${data}${(0, codegen_1.getProperty)(tagName)}`);
        gen.if((0, codegen_1._)`typeof ${tag} == "string"`, () => validateMapping(), () => cxt.error(false, { discrError: types_1.DiscrError.Tag, tag, tagName }));
        cxt.ok(valid);
        function validateMapping() {
          const mapping = getMapping();
          gen.if(false);
          for (const tagValue in mapping) {
            gen.elseIf((0, codegen_1._)`${tag} === ${tagValue}`);
            gen.assign(valid, applyTagSchema(mapping[tagValue]));
          }
          gen.else();
          cxt.error(false, { discrError: types_1.DiscrError.Mapping, tag, tagName });
          gen.endIf();
        }
        function applyTagSchema(schemaProp) {
          const _valid = gen.name("valid");
          const schCxt = cxt.subschema({ keyword: "oneOf", schemaProp }, _valid);
          cxt.mergeEvaluated(schCxt, codegen_1.Name);
          return _valid;
        }
        function getMapping() {
          var _a;
          const oneOfMapping = {};
          const topRequired = hasRequired(parentSchema);
          let tagRequired = true;
          for (let i2 = 0; i2 < oneOf2.length; i2++) {
            let sch = oneOf2[i2];
            if ((sch === null || sch === void 0 ? void 0 : sch.$ref) && !(0, util_1.schemaHasRulesButRef)(sch, it.self.RULES)) {
              const ref = sch.$ref;
              sch = compile_1.resolveRef.call(it.self, it.schemaEnv.root, it.baseId, ref);
              if (sch instanceof compile_1.SchemaEnv)
                sch = sch.schema;
              if (sch === void 0)
                throw new ref_error_1.default(it.opts.uriResolver, it.baseId, ref);
            }
            const propSch = (_a = sch === null || sch === void 0 ? void 0 : sch.properties) === null || _a === void 0 ? void 0 : _a[tagName];
            if (typeof propSch != "object") {
              throw new Error(`discriminator: oneOf subschemas (or referenced schemas) must have "properties/${tagName}"`);
            }
            tagRequired = tagRequired && (topRequired || hasRequired(sch));
            addMappings(propSch, i2);
          }
          if (!tagRequired)
            throw new Error(`discriminator: "${tagName}" must be required`);
          return oneOfMapping;
          function hasRequired({ required }) {
            return Array.isArray(required) && required.includes(tagName);
          }
          function addMappings(sch, i2) {
            if (sch.const) {
              addMapping(sch.const, i2);
            } else if (sch.enum) {
              for (const tagValue of sch.enum) {
                addMapping(tagValue, i2);
              }
            } else {
              throw new Error(`discriminator: "properties/${tagName}" must have "const" or "enum"`);
            }
          }
          function addMapping(tagValue, i2) {
            if (typeof tagValue != "string" || tagValue in oneOfMapping) {
              throw new Error(`discriminator: "${tagName}" values must be unique strings`);
            }
            oneOfMapping[tagValue] = i2;
          }
        }
      }
    };
    exports.default = def;
  }
});

// node_modules/ajv/dist/refs/json-schema-draft-07.json
var require_json_schema_draft_07 = __commonJS({
  "node_modules/ajv/dist/refs/json-schema-draft-07.json"(exports, module) {
    module.exports = {
      $schema: "http://json-schema.org/draft-07/schema#",
      $id: "http://json-schema.org/draft-07/schema#",
      title: "Core schema meta-schema",
      definitions: {
        schemaArray: {
          type: "array",
          minItems: 1,
          items: { $ref: "#" }
        },
        nonNegativeInteger: {
          type: "integer",
          minimum: 0
        },
        nonNegativeIntegerDefault0: {
          allOf: [{ $ref: "#/definitions/nonNegativeInteger" }, { default: 0 }]
        },
        simpleTypes: {
          enum: ["array", "boolean", "integer", "null", "number", "object", "string"]
        },
        stringArray: {
          type: "array",
          items: { type: "string" },
          uniqueItems: true,
          default: []
        }
      },
      type: ["object", "boolean"],
      properties: {
        $id: {
          type: "string",
          format: "uri-reference"
        },
        $schema: {
          type: "string",
          format: "uri"
        },
        $ref: {
          type: "string",
          format: "uri-reference"
        },
        $comment: {
          type: "string"
        },
        title: {
          type: "string"
        },
        description: {
          type: "string"
        },
        default: true,
        readOnly: {
          type: "boolean",
          default: false
        },
        examples: {
          type: "array",
          items: true
        },
        multipleOf: {
          type: "number",
          exclusiveMinimum: 0
        },
        maximum: {
          type: "number"
        },
        exclusiveMaximum: {
          type: "number"
        },
        minimum: {
          type: "number"
        },
        exclusiveMinimum: {
          type: "number"
        },
        maxLength: { $ref: "#/definitions/nonNegativeInteger" },
        minLength: { $ref: "#/definitions/nonNegativeIntegerDefault0" },
        pattern: {
          type: "string",
          format: "regex"
        },
        additionalItems: { $ref: "#" },
        items: {
          anyOf: [{ $ref: "#" }, { $ref: "#/definitions/schemaArray" }],
          default: true
        },
        maxItems: { $ref: "#/definitions/nonNegativeInteger" },
        minItems: { $ref: "#/definitions/nonNegativeIntegerDefault0" },
        uniqueItems: {
          type: "boolean",
          default: false
        },
        contains: { $ref: "#" },
        maxProperties: { $ref: "#/definitions/nonNegativeInteger" },
        minProperties: { $ref: "#/definitions/nonNegativeIntegerDefault0" },
        required: { $ref: "#/definitions/stringArray" },
        additionalProperties: { $ref: "#" },
        definitions: {
          type: "object",
          additionalProperties: { $ref: "#" },
          default: {}
        },
        properties: {
          type: "object",
          additionalProperties: { $ref: "#" },
          default: {}
        },
        patternProperties: {
          type: "object",
          additionalProperties: { $ref: "#" },
          propertyNames: { format: "regex" },
          default: {}
        },
        dependencies: {
          type: "object",
          additionalProperties: {
            anyOf: [{ $ref: "#" }, { $ref: "#/definitions/stringArray" }]
          }
        },
        propertyNames: { $ref: "#" },
        const: true,
        enum: {
          type: "array",
          items: true,
          minItems: 1,
          uniqueItems: true
        },
        type: {
          anyOf: [
            { $ref: "#/definitions/simpleTypes" },
            {
              type: "array",
              items: { $ref: "#/definitions/simpleTypes" },
              minItems: 1,
              uniqueItems: true
            }
          ]
        },
        format: { type: "string" },
        contentMediaType: { type: "string" },
        contentEncoding: { type: "string" },
        if: { $ref: "#" },
        then: { $ref: "#" },
        else: { $ref: "#" },
        allOf: { $ref: "#/definitions/schemaArray" },
        anyOf: { $ref: "#/definitions/schemaArray" },
        oneOf: { $ref: "#/definitions/schemaArray" },
        not: { $ref: "#" }
      },
      default: true
    };
  }
});

// node_modules/ajv/dist/ajv.js
var require_ajv = __commonJS({
  "node_modules/ajv/dist/ajv.js"(exports, module) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.MissingRefError = exports.ValidationError = exports.CodeGen = exports.Name = exports.nil = exports.stringify = exports.str = exports._ = exports.KeywordCxt = exports.Ajv = void 0;
    var core_1 = require_core();
    var draft7_1 = require_draft7();
    var discriminator_1 = require_discriminator();
    var draft7MetaSchema = require_json_schema_draft_07();
    var META_SUPPORT_DATA = ["/properties"];
    var META_SCHEMA_ID = "http://json-schema.org/draft-07/schema";
    var Ajv = class extends core_1.default {
      _addVocabularies() {
        super._addVocabularies();
        draft7_1.default.forEach((v) => this.addVocabulary(v));
        if (this.opts.discriminator)
          this.addKeyword(discriminator_1.default);
      }
      _addDefaultMetaSchema() {
        super._addDefaultMetaSchema();
        if (!this.opts.meta)
          return;
        const metaSchema = this.opts.$data ? this.$dataMetaSchema(draft7MetaSchema, META_SUPPORT_DATA) : draft7MetaSchema;
        this.addMetaSchema(metaSchema, META_SCHEMA_ID, false);
        this.refs["http://json-schema.org/schema"] = META_SCHEMA_ID;
      }
      defaultMeta() {
        return this.opts.defaultMeta = super.defaultMeta() || (this.getSchema(META_SCHEMA_ID) ? META_SCHEMA_ID : void 0);
      }
    };
    exports.Ajv = Ajv;
    module.exports = exports = Ajv;
    module.exports.Ajv = Ajv;
    Object.defineProperty(exports, "__esModule", { value: true });
    exports.default = Ajv;
    var validate_1 = require_validate();
    Object.defineProperty(exports, "KeywordCxt", { enumerable: true, get: function() {
      return validate_1.KeywordCxt;
    } });
    var codegen_1 = require_codegen();
    Object.defineProperty(exports, "_", { enumerable: true, get: function() {
      return codegen_1._;
    } });
    Object.defineProperty(exports, "str", { enumerable: true, get: function() {
      return codegen_1.str;
    } });
    Object.defineProperty(exports, "stringify", { enumerable: true, get: function() {
      return codegen_1.stringify;
    } });
    Object.defineProperty(exports, "nil", { enumerable: true, get: function() {
      return codegen_1.nil;
    } });
    Object.defineProperty(exports, "Name", { enumerable: true, get: function() {
      return codegen_1.Name;
    } });
    Object.defineProperty(exports, "CodeGen", { enumerable: true, get: function() {
      return codegen_1.CodeGen;
    } });
    var validation_error_1 = require_validation_error();
    Object.defineProperty(exports, "ValidationError", { enumerable: true, get: function() {
      return validation_error_1.default;
    } });
    var ref_error_1 = require_ref_error();
    Object.defineProperty(exports, "MissingRefError", { enumerable: true, get: function() {
      return ref_error_1.default;
    } });
  }
});

// node_modules/events-universal/default.js
var require_default = __commonJS({
  "node_modules/events-universal/default.js"(exports, module) {
    module.exports = __require("events");
  }
});

// node_modules/fast-fifo/fixed-size.js
var require_fixed_size = __commonJS({
  "node_modules/fast-fifo/fixed-size.js"(exports, module) {
    module.exports = class FixedFIFO {
      constructor(hwm) {
        if (!(hwm > 0) || (hwm - 1 & hwm) !== 0) throw new Error("Max size for a FixedFIFO should be a power of two");
        this.buffer = new Array(hwm);
        this.mask = hwm - 1;
        this.top = 0;
        this.btm = 0;
        this.next = null;
      }
      clear() {
        this.top = this.btm = 0;
        this.next = null;
        this.buffer.fill(void 0);
      }
      push(data) {
        if (this.buffer[this.top] !== void 0) return false;
        this.buffer[this.top] = data;
        this.top = this.top + 1 & this.mask;
        return true;
      }
      shift() {
        const last = this.buffer[this.btm];
        if (last === void 0) return void 0;
        this.buffer[this.btm] = void 0;
        this.btm = this.btm + 1 & this.mask;
        return last;
      }
      peek() {
        return this.buffer[this.btm];
      }
      isEmpty() {
        return this.buffer[this.btm] === void 0;
      }
    };
  }
});

// node_modules/fast-fifo/index.js
var require_fast_fifo = __commonJS({
  "node_modules/fast-fifo/index.js"(exports, module) {
    var FixedFIFO = require_fixed_size();
    module.exports = class FastFIFO {
      constructor(hwm) {
        this.hwm = hwm || 16;
        this.head = new FixedFIFO(this.hwm);
        this.tail = this.head;
        this.length = 0;
      }
      clear() {
        this.head = this.tail;
        this.head.clear();
        this.length = 0;
      }
      push(val) {
        this.length++;
        if (!this.head.push(val)) {
          const prev = this.head;
          this.head = prev.next = new FixedFIFO(2 * this.head.buffer.length);
          this.head.push(val);
        }
      }
      shift() {
        if (this.length !== 0) this.length--;
        const val = this.tail.shift();
        if (val === void 0 && this.tail.next) {
          const next = this.tail.next;
          this.tail.next = null;
          this.tail = next;
          return this.tail.shift();
        }
        return val;
      }
      peek() {
        const val = this.tail.peek();
        if (val === void 0 && this.tail.next) return this.tail.next.peek();
        return val;
      }
      isEmpty() {
        return this.length === 0;
      }
    };
  }
});

// node_modules/b4a/index.js
var require_b4a = __commonJS({
  "node_modules/b4a/index.js"(exports, module) {
    function isBuffer(value) {
      return Buffer.isBuffer(value) || value instanceof Uint8Array;
    }
    function isEncoding(encoding) {
      return Buffer.isEncoding(encoding);
    }
    function alloc(size, fill2, encoding) {
      return Buffer.alloc(size, fill2, encoding);
    }
    function allocUnsafe(size) {
      return Buffer.allocUnsafe(size);
    }
    function allocUnsafeSlow(size) {
      return Buffer.allocUnsafeSlow(size);
    }
    function byteLength(string, encoding) {
      return Buffer.byteLength(string, encoding);
    }
    function compare(a2, b) {
      return Buffer.compare(a2, b);
    }
    function concat(buffers, totalLength) {
      return Buffer.concat(buffers, totalLength);
    }
    function copy(source, target, targetStart, start, end) {
      return toBuffer(source).copy(target, targetStart, start, end);
    }
    function equals(a2, b) {
      return toBuffer(a2).equals(b);
    }
    function fill(buffer, value, offset, end, encoding) {
      return toBuffer(buffer).fill(value, offset, end, encoding);
    }
    function from(value, encodingOrOffset, length) {
      return Buffer.from(value, encodingOrOffset, length);
    }
    function includes(buffer, value, byteOffset, encoding) {
      return toBuffer(buffer).includes(value, byteOffset, encoding);
    }
    function indexOf(buffer, value, byfeOffset, encoding) {
      return toBuffer(buffer).indexOf(value, byfeOffset, encoding);
    }
    function lastIndexOf(buffer, value, byteOffset, encoding) {
      return toBuffer(buffer).lastIndexOf(value, byteOffset, encoding);
    }
    function swap16(buffer) {
      return toBuffer(buffer).swap16();
    }
    function swap32(buffer) {
      return toBuffer(buffer).swap32();
    }
    function swap64(buffer) {
      return toBuffer(buffer).swap64();
    }
    function toBuffer(buffer) {
      if (Buffer.isBuffer(buffer)) return buffer;
      return Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    }
    function toString2(buffer, encoding, start, end) {
      return toBuffer(buffer).toString(encoding, start, end);
    }
    function toHex(buffer, start, end) {
      return toBuffer(buffer).toString("hex", start, end);
    }
    function write(buffer, string, offset, length, encoding) {
      return toBuffer(buffer).write(string, offset, length, encoding);
    }
    function readDoubleBE(buffer, offset) {
      return toBuffer(buffer).readDoubleBE(offset);
    }
    function readDoubleLE(buffer, offset) {
      return toBuffer(buffer).readDoubleLE(offset);
    }
    function readFloatBE(buffer, offset) {
      return toBuffer(buffer).readFloatBE(offset);
    }
    function readFloatLE(buffer, offset) {
      return toBuffer(buffer).readFloatLE(offset);
    }
    function readInt32BE(buffer, offset) {
      return toBuffer(buffer).readInt32BE(offset);
    }
    function readInt32LE(buffer, offset) {
      return toBuffer(buffer).readInt32LE(offset);
    }
    function readUInt32BE(buffer, offset) {
      return toBuffer(buffer).readUInt32BE(offset);
    }
    function readUInt32LE(buffer, offset) {
      return toBuffer(buffer).readUInt32LE(offset);
    }
    function writeDoubleBE(buffer, value, offset) {
      return toBuffer(buffer).writeDoubleBE(value, offset);
    }
    function writeDoubleLE(buffer, value, offset) {
      return toBuffer(buffer).writeDoubleLE(value, offset);
    }
    function writeFloatBE(buffer, value, offset) {
      return toBuffer(buffer).writeFloatBE(value, offset);
    }
    function writeFloatLE(buffer, value, offset) {
      return toBuffer(buffer).writeFloatLE(value, offset);
    }
    function writeInt32BE(buffer, value, offset) {
      return toBuffer(buffer).writeInt32BE(value, offset);
    }
    function writeInt32LE(buffer, value, offset) {
      return toBuffer(buffer).writeInt32LE(value, offset);
    }
    function writeUInt32BE(buffer, value, offset) {
      return toBuffer(buffer).writeUInt32BE(value, offset);
    }
    function writeUInt32LE(buffer, value, offset) {
      return toBuffer(buffer).writeUInt32LE(value, offset);
    }
    module.exports = {
      isBuffer,
      isEncoding,
      alloc,
      allocUnsafe,
      allocUnsafeSlow,
      byteLength,
      compare,
      concat,
      copy,
      equals,
      fill,
      from,
      includes,
      indexOf,
      lastIndexOf,
      swap16,
      swap32,
      swap64,
      toBuffer,
      toString: toString2,
      toHex,
      write,
      readDoubleBE,
      readDoubleLE,
      readFloatBE,
      readFloatLE,
      readInt32BE,
      readInt32LE,
      readUInt32BE,
      readUInt32LE,
      writeDoubleBE,
      writeDoubleLE,
      writeFloatBE,
      writeFloatLE,
      writeInt32BE,
      writeInt32LE,
      writeUInt32BE,
      writeUInt32LE
    };
  }
});

// node_modules/text-decoder/lib/pass-through-decoder.js
var require_pass_through_decoder = __commonJS({
  "node_modules/text-decoder/lib/pass-through-decoder.js"(exports, module) {
    var b4a = require_b4a();
    module.exports = class PassThroughDecoder {
      constructor(encoding) {
        this.encoding = encoding;
      }
      get remaining() {
        return 0;
      }
      decode(data) {
        return b4a.toString(data, this.encoding);
      }
      flush() {
        return "";
      }
    };
  }
});

// node_modules/text-decoder/lib/utf8-decoder.js
var require_utf8_decoder = __commonJS({
  "node_modules/text-decoder/lib/utf8-decoder.js"(exports, module) {
    var b4a = require_b4a();
    module.exports = class UTF8Decoder {
      constructor() {
        this._reset();
      }
      get remaining() {
        return this.bytesSeen;
      }
      decode(data) {
        if (data.byteLength === 0) return "";
        if (this.bytesNeeded === 0 && trailingIncomplete(data, 0) === 0) {
          this.bytesSeen = trailingBytesSeen(data);
          return b4a.toString(data, "utf8");
        }
        let result = "";
        let start = 0;
        if (this.bytesNeeded > 0) {
          while (start < data.byteLength) {
            const byte = data[start];
            if (byte < this.lowerBoundary || byte > this.upperBoundary) {
              result += "\uFFFD";
              this._reset();
              break;
            }
            this.lowerBoundary = 128;
            this.upperBoundary = 191;
            this.codePoint = this.codePoint << 6 | byte & 63;
            this.bytesSeen++;
            start++;
            if (this.bytesSeen === this.bytesNeeded) {
              result += String.fromCodePoint(this.codePoint);
              this._reset();
              break;
            }
          }
          if (this.bytesNeeded > 0) return result;
        }
        const trailing = trailingIncomplete(data, start);
        const end = data.byteLength - trailing;
        if (end > start) result += b4a.toString(data, "utf8", start, end);
        for (let i2 = end; i2 < data.byteLength; i2++) {
          const byte = data[i2];
          if (this.bytesNeeded === 0) {
            if (byte <= 127) {
              this.bytesSeen = 0;
              result += String.fromCharCode(byte);
            } else if (byte >= 194 && byte <= 223) {
              this.bytesNeeded = 2;
              this.bytesSeen = 1;
              this.codePoint = byte & 31;
            } else if (byte >= 224 && byte <= 239) {
              if (byte === 224) this.lowerBoundary = 160;
              else if (byte === 237) this.upperBoundary = 159;
              this.bytesNeeded = 3;
              this.bytesSeen = 1;
              this.codePoint = byte & 15;
            } else if (byte >= 240 && byte <= 244) {
              if (byte === 240) this.lowerBoundary = 144;
              else if (byte === 244) this.upperBoundary = 143;
              this.bytesNeeded = 4;
              this.bytesSeen = 1;
              this.codePoint = byte & 7;
            } else {
              this.bytesSeen = 1;
              result += "\uFFFD";
            }
            continue;
          }
          if (byte < this.lowerBoundary || byte > this.upperBoundary) {
            result += "\uFFFD";
            i2--;
            this._reset();
            continue;
          }
          this.lowerBoundary = 128;
          this.upperBoundary = 191;
          this.codePoint = this.codePoint << 6 | byte & 63;
          this.bytesSeen++;
          if (this.bytesSeen === this.bytesNeeded) {
            result += String.fromCodePoint(this.codePoint);
            this._reset();
          }
        }
        return result;
      }
      flush() {
        const result = this.bytesNeeded > 0 ? "\uFFFD" : "";
        this._reset();
        return result;
      }
      _reset() {
        this.codePoint = 0;
        this.bytesNeeded = 0;
        this.bytesSeen = 0;
        this.lowerBoundary = 128;
        this.upperBoundary = 191;
      }
    };
    function trailingIncomplete(data, start) {
      const len = data.byteLength;
      if (len <= start) return 0;
      const limit2 = Math.max(start, len - 4);
      let i2 = len - 1;
      while (i2 > limit2 && (data[i2] & 192) === 128) i2--;
      if (i2 < start) return 0;
      const byte = data[i2];
      let needed;
      if (byte <= 127) return 0;
      if (byte >= 194 && byte <= 223) needed = 2;
      else if (byte >= 224 && byte <= 239) needed = 3;
      else if (byte >= 240 && byte <= 244) needed = 4;
      else return 0;
      const available = len - i2;
      return available < needed ? available : 0;
    }
    function trailingBytesSeen(data) {
      const len = data.byteLength;
      if (len === 0) return 0;
      const last = data[len - 1];
      if (last <= 127) return 0;
      if ((last & 192) !== 128) return 1;
      const limit2 = Math.max(0, len - 4);
      let i2 = len - 2;
      while (i2 >= limit2 && (data[i2] & 192) === 128) i2--;
      if (i2 < 0) return 1;
      const first = data[i2];
      let needed;
      if (first >= 194 && first <= 223) needed = 2;
      else if (first >= 224 && first <= 239) needed = 3;
      else if (first >= 240 && first <= 244) needed = 4;
      else return 1;
      if (len - i2 !== needed) return 1;
      if (needed >= 3) {
        const second = data[i2 + 1];
        if (first === 224 && second < 160) return 1;
        if (first === 237 && second > 159) return 1;
        if (first === 240 && second < 144) return 1;
        if (first === 244 && second > 143) return 1;
      }
      return 0;
    }
  }
});

// node_modules/text-decoder/index.js
var require_text_decoder = __commonJS({
  "node_modules/text-decoder/index.js"(exports, module) {
    var PassThroughDecoder = require_pass_through_decoder();
    var UTF8Decoder = require_utf8_decoder();
    module.exports = class TextDecoder {
      constructor(encoding = "utf8") {
        this.encoding = normalizeEncoding(encoding);
        switch (this.encoding) {
          case "utf8":
            this.decoder = new UTF8Decoder();
            break;
          case "utf16le":
          case "base64":
            throw new Error("Unsupported encoding: " + this.encoding);
          default:
            this.decoder = new PassThroughDecoder(this.encoding);
        }
      }
      get remaining() {
        return this.decoder.remaining;
      }
      push(data) {
        if (typeof data === "string") return data;
        return this.decoder.decode(data);
      }
      // For Node.js compatibility
      write(data) {
        return this.push(data);
      }
      end(data) {
        let result = "";
        if (data) result = this.push(data);
        result += this.decoder.flush();
        return result;
      }
    };
    function normalizeEncoding(encoding) {
      encoding = encoding.toLowerCase();
      switch (encoding) {
        case "utf8":
        case "utf-8":
          return "utf8";
        case "ucs2":
        case "ucs-2":
        case "utf16le":
        case "utf-16le":
          return "utf16le";
        case "latin1":
        case "binary":
          return "latin1";
        case "base64":
        case "ascii":
        case "hex":
          return encoding;
        default:
          throw new Error("Unknown encoding: " + encoding);
      }
    }
  }
});

// node_modules/streamx/lib/errors.js
var require_errors2 = __commonJS({
  "node_modules/streamx/lib/errors.js"(exports, module) {
    module.exports = class StreamError extends Error {
      constructor(msg, code, fn = StreamError) {
        super(msg);
        this.code = code;
        if (Error.captureStackTrace) {
          Error.captureStackTrace(this, fn);
        }
      }
      static isStreamDestroyed(err) {
        return err && err.code === "STREAM_DESTROYED";
      }
      static isPrematureClose(err) {
        return err && err.code === "PREMATURE_CLOSE";
      }
      static isAborted(err) {
        return err && err.code === "ABORTED";
      }
      static isBadArgument(err) {
        return err && err.code === "BAD_ARGUMENT";
      }
      get name() {
        return "StreamError";
      }
      static STREAM_DESTROYED() {
        return new StreamError("Stream was destroyed", "STREAM_DESTROYED", StreamError.STREAM_DESTROYED);
      }
      static PREMATURE_CLOSE(msg = "Premature close") {
        return new StreamError(msg, "PREMATURE_CLOSE", StreamError.PREMATURE_CLOSE);
      }
      static ABORTED() {
        return new StreamError("Stream aborted", "ABORTED", StreamError.ABORTED);
      }
      static BAD_ARGUMENT(msg = "Bad argument") {
        return new StreamError(msg, "BAD_ARGUMENT", StreamError.BAD_ARGUMENT);
      }
    };
  }
});

// node_modules/streamx/index.js
var require_streamx = __commonJS({
  "node_modules/streamx/index.js"(exports, module) {
    var { EventEmitter: EventEmitter2 } = require_default();
    var FIFO = require_fast_fifo();
    var TextDecoder2 = require_text_decoder();
    var StreamError = require_errors2();
    var qmt = typeof queueMicrotask === "undefined" ? (fn) => global.process.nextTick(fn) : queueMicrotask;
    var MAX = (1 << 29) - 1;
    var OPENING = 1;
    var PREDESTROYING = 2;
    var DESTROYING = 4;
    var DESTROYED = 8;
    var NOT_OPENING = MAX ^ OPENING;
    var NOT_PREDESTROYING = MAX ^ PREDESTROYING;
    var READ_ACTIVE = 1 << 4;
    var READ_UPDATING = 2 << 4;
    var READ_PRIMARY = 4 << 4;
    var READ_QUEUED = 8 << 4;
    var READ_RESUMED = 16 << 4;
    var READ_PIPE_DRAINED = 32 << 4;
    var READ_ENDING = 64 << 4;
    var READ_EMIT_DATA = 128 << 4;
    var READ_EMIT_READABLE = 256 << 4;
    var READ_EMITTED_READABLE = 512 << 4;
    var READ_DONE = 1024 << 4;
    var READ_NEXT_TICK = 2048 << 4;
    var READ_NEEDS_PUSH = 4096 << 4;
    var READ_READ_AHEAD = 8192 << 4;
    var READ_FLOWING = READ_RESUMED | READ_PIPE_DRAINED;
    var READ_ACTIVE_AND_NEEDS_PUSH = READ_ACTIVE | READ_NEEDS_PUSH;
    var READ_PRIMARY_AND_ACTIVE = READ_PRIMARY | READ_ACTIVE;
    var READ_EMIT_READABLE_AND_QUEUED = READ_EMIT_READABLE | READ_QUEUED;
    var READ_RESUMED_READ_AHEAD = READ_RESUMED | READ_READ_AHEAD;
    var READ_NOT_ACTIVE = MAX ^ READ_ACTIVE;
    var READ_NON_PRIMARY = MAX ^ READ_PRIMARY;
    var READ_NON_PRIMARY_AND_PUSHED = MAX ^ (READ_PRIMARY | READ_NEEDS_PUSH);
    var READ_PUSHED = MAX ^ READ_NEEDS_PUSH;
    var READ_PAUSED = MAX ^ READ_RESUMED;
    var READ_NOT_QUEUED = MAX ^ (READ_QUEUED | READ_EMITTED_READABLE);
    var READ_NOT_ENDING = MAX ^ READ_ENDING;
    var READ_PIPE_NOT_DRAINED = MAX ^ READ_FLOWING;
    var READ_NOT_NEXT_TICK = MAX ^ READ_NEXT_TICK;
    var READ_NOT_UPDATING = MAX ^ READ_UPDATING;
    var READ_NO_READ_AHEAD = MAX ^ READ_READ_AHEAD;
    var READ_PAUSED_NO_READ_AHEAD = MAX ^ READ_RESUMED_READ_AHEAD;
    var WRITE_ACTIVE = 1 << 18;
    var WRITE_UPDATING = 2 << 18;
    var WRITE_PRIMARY = 4 << 18;
    var WRITE_QUEUED = 8 << 18;
    var WRITE_UNDRAINED = 16 << 18;
    var WRITE_DONE = 32 << 18;
    var WRITE_EMIT_DRAIN = 64 << 18;
    var WRITE_NEXT_TICK = 128 << 18;
    var WRITE_WRITING = 256 << 18;
    var WRITE_FINISHING = 512 << 18;
    var WRITE_CORKED = 1024 << 18;
    var WRITE_NOT_ACTIVE = MAX ^ (WRITE_ACTIVE | WRITE_WRITING);
    var WRITE_NON_PRIMARY = MAX ^ WRITE_PRIMARY;
    var WRITE_NOT_FINISHING = MAX ^ (WRITE_ACTIVE | WRITE_FINISHING);
    var WRITE_DRAINED = MAX ^ WRITE_UNDRAINED;
    var WRITE_NOT_QUEUED = MAX ^ WRITE_QUEUED;
    var WRITE_NOT_NEXT_TICK = MAX ^ WRITE_NEXT_TICK;
    var WRITE_NOT_UPDATING = MAX ^ WRITE_UPDATING;
    var WRITE_NOT_CORKED = MAX ^ WRITE_CORKED;
    var ACTIVE = READ_ACTIVE | WRITE_ACTIVE;
    var NOT_ACTIVE = MAX ^ ACTIVE;
    var DONE = READ_DONE | WRITE_DONE;
    var DESTROY_STATUS = DESTROYING | DESTROYED | PREDESTROYING;
    var OPEN_STATUS = DESTROY_STATUS | OPENING;
    var AUTO_DESTROY = DESTROY_STATUS | DONE;
    var NON_PRIMARY = WRITE_NON_PRIMARY & READ_NON_PRIMARY;
    var ACTIVE_OR_TICKING = WRITE_NEXT_TICK | READ_NEXT_TICK;
    var TICKING = ACTIVE_OR_TICKING & NOT_ACTIVE;
    var IS_OPENING = OPEN_STATUS | TICKING;
    var READ_PRIMARY_STATUS = OPEN_STATUS | READ_ENDING | READ_DONE;
    var READ_STATUS = OPEN_STATUS | READ_DONE | READ_QUEUED;
    var READ_ENDING_STATUS = OPEN_STATUS | READ_ENDING | READ_QUEUED;
    var READ_READABLE_STATUS = OPEN_STATUS | READ_EMIT_READABLE | READ_QUEUED | READ_EMITTED_READABLE;
    var SHOULD_NOT_READ = OPEN_STATUS | READ_ACTIVE | READ_ENDING | READ_DONE | READ_NEEDS_PUSH | READ_READ_AHEAD;
    var READ_BACKPRESSURE_STATUS = DESTROY_STATUS | READ_ENDING | READ_DONE;
    var READ_UPDATE_SYNC_STATUS = READ_UPDATING | OPEN_STATUS | READ_NEXT_TICK | READ_PRIMARY;
    var READ_NEXT_TICK_OR_OPENING = READ_NEXT_TICK | OPENING;
    var WRITE_PRIMARY_STATUS = OPEN_STATUS | WRITE_FINISHING | WRITE_DONE;
    var WRITE_QUEUED_AND_UNDRAINED = WRITE_QUEUED | WRITE_UNDRAINED;
    var WRITE_QUEUED_AND_ACTIVE = WRITE_QUEUED | WRITE_ACTIVE;
    var WRITE_DRAIN_STATUS = WRITE_QUEUED | WRITE_UNDRAINED | OPEN_STATUS | WRITE_ACTIVE;
    var WRITE_STATUS = OPEN_STATUS | WRITE_ACTIVE | WRITE_QUEUED | WRITE_CORKED;
    var WRITE_PRIMARY_AND_ACTIVE = WRITE_PRIMARY | WRITE_ACTIVE;
    var WRITE_ACTIVE_AND_WRITING = WRITE_ACTIVE | WRITE_WRITING;
    var WRITE_FINISHING_STATUS = OPEN_STATUS | WRITE_FINISHING | WRITE_QUEUED_AND_ACTIVE | WRITE_DONE;
    var WRITE_BACKPRESSURE_STATUS = WRITE_UNDRAINED | DESTROY_STATUS | WRITE_FINISHING | WRITE_DONE;
    var WRITE_UPDATE_SYNC_STATUS = WRITE_UPDATING | OPEN_STATUS | WRITE_NEXT_TICK | WRITE_PRIMARY;
    var WRITE_DROP_DATA = WRITE_FINISHING | WRITE_DONE | DESTROY_STATUS;
    var asyncIterator = Symbol.asyncIterator || /* @__PURE__ */ Symbol("asyncIterator");
    var WritableState = class {
      constructor(stream, { highWaterMark = 16384, map = null, mapWritable, byteLength, byteLengthWritable } = {}) {
        this.stream = stream;
        this.queue = new FIFO();
        this.highWaterMark = highWaterMark;
        this.buffered = 0;
        this.error = null;
        this.pipeline = null;
        this.drains = null;
        this.byteLength = byteLengthWritable || byteLength || defaultByteLength;
        this.map = mapWritable || map;
        this.afterWrite = afterWrite.bind(this);
        this.afterUpdateNextTick = updateWriteNT.bind(this);
      }
      get ending() {
        return (this.stream._duplexState & WRITE_FINISHING) !== 0;
      }
      get ended() {
        return (this.stream._duplexState & WRITE_DONE) !== 0;
      }
      push(data) {
        if ((this.stream._duplexState & WRITE_DROP_DATA) !== 0) return false;
        if (this.map !== null) data = this.map(data);
        this.buffered += this.byteLength(data);
        this.queue.push(data);
        if (this.buffered < this.highWaterMark) {
          this.stream._duplexState |= WRITE_QUEUED;
          return true;
        }
        this.stream._duplexState |= WRITE_QUEUED_AND_UNDRAINED;
        return false;
      }
      shift() {
        const data = this.queue.shift();
        this.buffered -= this.byteLength(data);
        if (this.buffered === 0) this.stream._duplexState &= WRITE_NOT_QUEUED;
        return data;
      }
      end(data) {
        if (typeof data === "function") {
          this.stream.once("finish", data);
        } else if (data !== void 0 && data !== null) {
          this.push(data);
        }
        this.stream._duplexState = (this.stream._duplexState | WRITE_FINISHING) & WRITE_NON_PRIMARY;
      }
      autoBatch(data, cb) {
        const buffer = [];
        const stream = this.stream;
        buffer.push(data);
        while ((stream._duplexState & WRITE_STATUS) === WRITE_QUEUED_AND_ACTIVE) {
          buffer.push(stream._writableState.shift());
        }
        if ((stream._duplexState & OPEN_STATUS) !== 0) return cb(null);
        stream._writev(buffer, cb);
      }
      update() {
        const stream = this.stream;
        stream._duplexState |= WRITE_UPDATING;
        do {
          while ((stream._duplexState & WRITE_STATUS) === WRITE_QUEUED) {
            const data = this.shift();
            stream._duplexState |= WRITE_ACTIVE_AND_WRITING;
            stream._write(data, this.afterWrite);
          }
          if ((stream._duplexState & WRITE_PRIMARY_AND_ACTIVE) === 0) this.updateNonPrimary();
        } while (this.continueUpdate() === true);
        stream._duplexState &= WRITE_NOT_UPDATING;
      }
      updateNonPrimary() {
        const stream = this.stream;
        if ((stream._duplexState & WRITE_FINISHING_STATUS) === WRITE_FINISHING) {
          stream._duplexState = stream._duplexState | WRITE_ACTIVE;
          stream._final(afterFinal.bind(this));
          return;
        }
        if ((stream._duplexState & DESTROY_STATUS) === DESTROYING) {
          if ((stream._duplexState & ACTIVE_OR_TICKING) === 0) {
            stream._duplexState |= ACTIVE;
            stream._destroy(afterDestroy.bind(this));
          }
          return;
        }
        if ((stream._duplexState & IS_OPENING) === OPENING) {
          stream._duplexState = (stream._duplexState | ACTIVE) & NOT_OPENING;
          stream._open(afterOpen.bind(this));
        }
      }
      continueUpdate() {
        if ((this.stream._duplexState & WRITE_NEXT_TICK) === 0) return false;
        this.stream._duplexState &= WRITE_NOT_NEXT_TICK;
        return true;
      }
      updateCallback() {
        if ((this.stream._duplexState & WRITE_UPDATE_SYNC_STATUS) === WRITE_PRIMARY) {
          this.update();
        } else {
          this.updateNextTick();
        }
      }
      updateNextTick() {
        if ((this.stream._duplexState & WRITE_NEXT_TICK) !== 0) return;
        this.stream._duplexState |= WRITE_NEXT_TICK;
        if ((this.stream._duplexState & WRITE_UPDATING) === 0) qmt(this.afterUpdateNextTick);
      }
    };
    var ReadableState = class {
      constructor(stream, { highWaterMark = 16384, map = null, mapReadable, byteLength, byteLengthReadable } = {}) {
        this.stream = stream;
        this.queue = new FIFO();
        this.highWaterMark = highWaterMark === 0 ? 1 : highWaterMark;
        this.buffered = 0;
        this.readAhead = highWaterMark > 0;
        this.error = null;
        this.pipeline = null;
        this.byteLength = byteLengthReadable || byteLength || defaultByteLength;
        this.map = mapReadable || map;
        this.pipeTo = null;
        this.afterRead = afterRead.bind(this);
        this.afterUpdateNextTick = updateReadNT.bind(this);
      }
      get ending() {
        return (this.stream._duplexState & READ_ENDING) !== 0;
      }
      get ended() {
        return (this.stream._duplexState & READ_DONE) !== 0;
      }
      pipe(pipeTo, cb) {
        if (this.pipeTo !== null) throw StreamError.BAD_ARGUMENT("Can only pipe to one destination");
        if (typeof cb !== "function") cb = null;
        this.stream._duplexState |= READ_PIPE_DRAINED;
        this.pipeTo = pipeTo;
        this.pipeline = new Pipeline(this.stream, pipeTo, cb);
        if (cb) this.stream.on("error", noop3);
        if (isStreamx(pipeTo)) {
          pipeTo._writableState.pipeline = this.pipeline;
          if (cb) pipeTo.on("error", noop3);
          pipeTo.on("finish", this.pipeline.finished.bind(this.pipeline));
        } else {
          const onerror = this.pipeline.done.bind(this.pipeline, pipeTo);
          const onclose = this.pipeline.done.bind(this.pipeline, pipeTo, null);
          pipeTo.on("error", onerror);
          pipeTo.on("close", onclose);
          pipeTo.on("finish", this.pipeline.finished.bind(this.pipeline));
        }
        pipeTo.on("drain", afterDrain.bind(this));
        this.stream.emit("piping", pipeTo);
        pipeTo.emit("pipe", this.stream);
      }
      push(data) {
        const stream = this.stream;
        if (data === null) {
          this.highWaterMark = 0;
          stream._duplexState = (stream._duplexState | READ_ENDING) & READ_NON_PRIMARY_AND_PUSHED;
          return false;
        }
        if (this.map !== null) {
          data = this.map(data);
          if (data === null) {
            stream._duplexState &= READ_PUSHED;
            return this.buffered < this.highWaterMark;
          }
        }
        this.buffered += this.byteLength(data);
        this.queue.push(data);
        stream._duplexState = (stream._duplexState | READ_QUEUED) & READ_PUSHED;
        return this.buffered < this.highWaterMark;
      }
      shift() {
        const data = this.queue.shift();
        this.buffered -= this.byteLength(data);
        if (this.buffered === 0) {
          this.stream._duplexState &= READ_NOT_QUEUED;
        }
        return data;
      }
      unshift(data) {
        const pending2 = [this.map !== null ? this.map(data) : data];
        while (this.buffered > 0) pending2.push(this.shift());
        for (let i2 = 0; i2 < pending2.length - 1; i2++) {
          const data2 = pending2[i2];
          this.buffered += this.byteLength(data2);
          this.queue.push(data2);
        }
        this.push(pending2[pending2.length - 1]);
      }
      read() {
        const stream = this.stream;
        if ((stream._duplexState & READ_STATUS) === READ_QUEUED) {
          const data = this.shift();
          if (this.pipeTo !== null && this.pipeTo.write(data) === false) {
            stream._duplexState &= READ_PIPE_NOT_DRAINED;
          }
          if ((stream._duplexState & READ_EMIT_DATA) !== 0) {
            stream.emit("data", data);
          }
          return data;
        }
        if (this.readAhead === false) {
          stream._duplexState |= READ_READ_AHEAD;
          this.updateNextTick();
        }
        return null;
      }
      drain() {
        const stream = this.stream;
        while ((stream._duplexState & READ_STATUS) === READ_QUEUED && (stream._duplexState & READ_FLOWING) !== 0) {
          const data = this.shift();
          if (this.pipeTo !== null && this.pipeTo.write(data) === false) {
            stream._duplexState &= READ_PIPE_NOT_DRAINED;
          }
          if ((stream._duplexState & READ_EMIT_DATA) !== 0) {
            stream.emit("data", data);
          }
        }
      }
      update() {
        const stream = this.stream;
        stream._duplexState |= READ_UPDATING;
        do {
          this.drain();
          while (this.buffered < this.highWaterMark && (stream._duplexState & SHOULD_NOT_READ) === READ_READ_AHEAD) {
            stream._duplexState |= READ_ACTIVE_AND_NEEDS_PUSH;
            stream._read(this.afterRead);
            this.drain();
          }
          if ((stream._duplexState & READ_READABLE_STATUS) === READ_EMIT_READABLE_AND_QUEUED) {
            stream._duplexState |= READ_EMITTED_READABLE;
            stream.emit("readable");
          }
          if ((stream._duplexState & READ_PRIMARY_AND_ACTIVE) === 0) {
            this.updateNonPrimary();
          }
        } while (this.continueUpdate() === true);
        stream._duplexState &= READ_NOT_UPDATING;
      }
      updateNonPrimary() {
        const stream = this.stream;
        if ((stream._duplexState & READ_ENDING_STATUS) === READ_ENDING) {
          stream._duplexState = (stream._duplexState | READ_DONE) & READ_NOT_ENDING;
          stream.emit("end");
          if ((stream._duplexState & AUTO_DESTROY) === DONE) {
            stream._duplexState |= DESTROYING;
          }
          if (this.pipeTo !== null) {
            this.pipeTo.end();
          }
        }
        if ((stream._duplexState & DESTROY_STATUS) === DESTROYING) {
          if ((stream._duplexState & ACTIVE_OR_TICKING) === 0) {
            stream._duplexState |= ACTIVE;
            stream._destroy(afterDestroy.bind(this));
          }
          return;
        }
        if ((stream._duplexState & IS_OPENING) === OPENING) {
          stream._duplexState = (stream._duplexState | ACTIVE) & NOT_OPENING;
          stream._open(afterOpen.bind(this));
        }
      }
      continueUpdate() {
        if ((this.stream._duplexState & READ_NEXT_TICK) === 0) return false;
        this.stream._duplexState &= READ_NOT_NEXT_TICK;
        return true;
      }
      updateCallback() {
        if ((this.stream._duplexState & READ_UPDATE_SYNC_STATUS) === READ_PRIMARY) {
          this.update();
        } else {
          this.updateNextTick();
        }
      }
      updateNextTickIfOpen() {
        if ((this.stream._duplexState & READ_NEXT_TICK_OR_OPENING) !== 0) return;
        this.stream._duplexState |= READ_NEXT_TICK;
        if ((this.stream._duplexState & READ_UPDATING) === 0) qmt(this.afterUpdateNextTick);
      }
      updateNextTick() {
        if ((this.stream._duplexState & READ_NEXT_TICK) !== 0) return;
        this.stream._duplexState |= READ_NEXT_TICK;
        if ((this.stream._duplexState & READ_UPDATING) === 0) qmt(this.afterUpdateNextTick);
      }
    };
    var TransformState = class {
      constructor(stream) {
        this.data = null;
        this.afterTransform = afterTransform.bind(stream);
        this.afterFinal = null;
      }
    };
    var Pipeline = class {
      constructor(src, dst, cb) {
        this.from = src;
        this.to = dst;
        this.afterPipe = cb;
        this.error = null;
        this.pipeToFinished = false;
      }
      finished() {
        this.pipeToFinished = true;
      }
      done(stream, err) {
        if (err) this.error = err;
        if (stream === this.to) {
          this.to = null;
          if (this.from !== null) {
            if ((this.from._duplexState & READ_DONE) === 0 || !this.pipeToFinished) {
              this.from.destroy(this.error || StreamError.PREMATURE_CLOSE("Writable stream closed"));
            }
            return;
          }
        }
        if (stream === this.from) {
          this.from = null;
          if (this.to !== null) {
            if ((stream._duplexState & READ_DONE) === 0) {
              this.to.destroy(this.error || StreamError.PREMATURE_CLOSE("Readable stream closed"));
            }
            return;
          }
        }
        if (this.afterPipe !== null) this.afterPipe(this.error);
        this.to = this.from = this.afterPipe = null;
      }
    };
    function afterDrain() {
      this.stream._duplexState |= READ_PIPE_DRAINED;
      this.updateCallback();
    }
    function afterFinal(err) {
      const stream = this.stream;
      if (err) stream.destroy(err);
      if ((stream._duplexState & DESTROY_STATUS) === 0) {
        stream._duplexState |= WRITE_DONE;
        stream.emit("finish");
      }
      if ((stream._duplexState & AUTO_DESTROY) === DONE) {
        stream._duplexState |= DESTROYING;
      }
      stream._duplexState &= WRITE_NOT_FINISHING;
      if ((stream._duplexState & WRITE_UPDATING) === 0) {
        this.update();
      } else {
        this.updateNextTick();
      }
    }
    function afterDestroy(err) {
      const stream = this.stream;
      if (!err && !StreamError.isStreamDestroyed(this.error)) err = this.error;
      if (err) stream.emit("error", err);
      stream._duplexState |= DESTROYED;
      stream.emit("close");
      const rs = stream._readableState;
      const ws = stream._writableState;
      if (rs !== null && rs.pipeline !== null) {
        rs.pipeline.done(stream, err);
      }
      if (ws !== null) {
        while (ws.drains !== null && ws.drains.length > 0) {
          ws.drains.shift().resolve(false);
        }
        if (ws.pipeline !== null) {
          ws.pipeline.done(stream, err);
        }
      }
    }
    function afterWrite(err) {
      const stream = this.stream;
      if (err) stream.destroy(err);
      stream._duplexState &= WRITE_NOT_ACTIVE;
      if (this.drains !== null) tickDrains(this.drains);
      if ((stream._duplexState & WRITE_DRAIN_STATUS) === WRITE_UNDRAINED) {
        stream._duplexState &= WRITE_DRAINED;
        if ((stream._duplexState & WRITE_EMIT_DRAIN) === WRITE_EMIT_DRAIN) {
          stream.emit("drain");
        }
      }
      this.updateCallback();
    }
    function afterRead(err) {
      if (err) this.stream.destroy(err);
      this.stream._duplexState &= READ_NOT_ACTIVE;
      if (this.readAhead === false && (this.stream._duplexState & READ_RESUMED) === 0) {
        this.stream._duplexState &= READ_NO_READ_AHEAD;
      }
      this.updateCallback();
    }
    function updateReadNT() {
      if ((this.stream._duplexState & READ_UPDATING) === 0) {
        this.stream._duplexState &= READ_NOT_NEXT_TICK;
        this.update();
      }
    }
    function updateWriteNT() {
      if ((this.stream._duplexState & WRITE_UPDATING) === 0) {
        this.stream._duplexState &= WRITE_NOT_NEXT_TICK;
        this.update();
      }
    }
    function tickDrains(drains) {
      for (let i2 = 0; i2 < drains.length; i2++) {
        if (--drains[i2].writes === 0) {
          drains.shift().resolve(true);
          i2--;
        }
      }
    }
    function afterOpen(err) {
      const stream = this.stream;
      if (err) stream.destroy(err);
      if ((stream._duplexState & DESTROYING) === 0) {
        if ((stream._duplexState & READ_PRIMARY_STATUS) === 0) {
          stream._duplexState |= READ_PRIMARY;
        }
        if ((stream._duplexState & WRITE_PRIMARY_STATUS) === 0) {
          stream._duplexState |= WRITE_PRIMARY;
        }
        stream.emit("open");
      }
      stream._duplexState &= NOT_ACTIVE;
      if (stream._writableState !== null) {
        stream._writableState.updateCallback();
      }
      if (stream._readableState !== null) {
        stream._readableState.updateCallback();
      }
    }
    function afterTransform(err, data) {
      if (data !== void 0 && data !== null) this.push(data);
      this._writableState.afterWrite(err);
    }
    function newListener(name) {
      if (this._readableState !== null) {
        if (name === "data") {
          this._duplexState |= READ_EMIT_DATA | READ_RESUMED_READ_AHEAD;
          this._readableState.updateNextTick();
        }
        if (name === "readable") {
          this._duplexState |= READ_EMIT_READABLE;
          this._readableState.updateNextTick();
        }
      }
      if (this._writableState !== null) {
        if (name === "drain") {
          this._duplexState |= WRITE_EMIT_DRAIN;
          this._writableState.updateNextTick();
        }
      }
    }
    var Stream = class extends EventEmitter2 {
      constructor(opts2) {
        super();
        this._duplexState = 0;
        this._readableState = null;
        this._writableState = null;
        if (opts2) {
          if (opts2.open) this._open = opts2.open;
          if (opts2.destroy) this._destroy = opts2.destroy;
          if (opts2.predestroy) this._predestroy = opts2.predestroy;
          if (opts2.signal) opts2.signal.addEventListener("abort", abort.bind(this));
        }
        this.on("newListener", newListener);
      }
      _open(cb) {
        cb(null);
      }
      _destroy(cb) {
        cb(null);
      }
      _predestroy() {
      }
      get readable() {
        return this._readableState !== null ? true : void 0;
      }
      get writable() {
        return this._writableState !== null ? true : void 0;
      }
      get destroyed() {
        return (this._duplexState & DESTROYED) !== 0;
      }
      get destroying() {
        return (this._duplexState & DESTROY_STATUS) !== 0;
      }
      destroy(err) {
        if ((this._duplexState & DESTROY_STATUS) === 0) {
          if (!err) err = StreamError.STREAM_DESTROYED();
          this._duplexState = (this._duplexState | DESTROYING) & NON_PRIMARY;
          if (this._readableState !== null) {
            this._readableState.highWaterMark = 0;
            this._readableState.error = err;
          }
          if (this._writableState !== null) {
            this._writableState.highWaterMark = 0;
            this._writableState.error = err;
          }
          this._duplexState |= PREDESTROYING;
          this._predestroy();
          this._duplexState &= NOT_PREDESTROYING;
          if (this._readableState !== null) {
            this._readableState.updateNextTick();
          }
          if (this._writableState !== null) {
            this._writableState.updateNextTick();
          }
        }
      }
    };
    var Readable4 = class _Readable extends Stream {
      constructor(opts2) {
        super(opts2);
        this._duplexState |= OPENING | WRITE_DONE | READ_READ_AHEAD;
        this._readableState = new ReadableState(this, opts2);
        if (opts2) {
          if (this._readableState.readAhead === false) this._duplexState &= READ_NO_READ_AHEAD;
          if (opts2.read) this._read = opts2.read;
          if (opts2.eagerOpen) this._readableState.updateNextTick();
          if (opts2.encoding) this.setEncoding(opts2.encoding);
        }
      }
      static deferred(fn, opts2) {
        const out = new PassThrough3(opts2);
        fn().then((src) => {
          if (src === null) return out.end();
          if (out.destroying) return;
          pipeline3(src, out, noop3);
        }).catch((err) => out.destroy(err));
        return out;
      }
      setEncoding(encoding) {
        const dec = new TextDecoder2(encoding);
        const map = this._readableState.map || echo;
        this._readableState.map = mapOrSkip;
        return this;
        function mapOrSkip(data) {
          const next = dec.push(data);
          return next === "" && (data.byteLength !== 0 || dec.remaining > 0) ? null : map(next);
        }
      }
      _read(cb) {
        cb(null);
      }
      pipe(dest, cb) {
        this._readableState.updateNextTick();
        this._readableState.pipe(dest, cb);
        return dest;
      }
      read() {
        this._readableState.updateNextTick();
        return this._readableState.read();
      }
      push(data) {
        this._readableState.updateNextTickIfOpen();
        return this._readableState.push(data);
      }
      unshift(data) {
        this._readableState.updateNextTickIfOpen();
        return this._readableState.unshift(data);
      }
      resume() {
        this._duplexState |= READ_RESUMED_READ_AHEAD;
        this._readableState.updateNextTick();
        return this;
      }
      pause() {
        this._duplexState &= this._readableState.readAhead === false ? READ_PAUSED_NO_READ_AHEAD : READ_PAUSED;
        return this;
      }
      static _fromAsyncIterator(ite, opts2) {
        let destroy;
        const rs = new _Readable({
          ...opts2,
          read(cb) {
            ite.next().then(push).then(cb.bind(null, null)).catch(cb);
          },
          predestroy() {
            destroy = ite.return();
          },
          destroy(cb) {
            if (!destroy) return cb(null);
            destroy.then(cb.bind(null, null)).catch(cb);
          }
        });
        return rs;
        function push(data) {
          if (data.done) rs.push(null);
          else rs.push(data.value);
        }
      }
      static from(data, opts2) {
        if (isReadStreamx(data)) return data;
        if (data[asyncIterator]) return this._fromAsyncIterator(data[asyncIterator](), opts2);
        if (!Array.isArray(data)) data = data === void 0 ? [] : [data];
        let i2 = 0;
        return new _Readable({
          ...opts2,
          read(cb) {
            this.push(i2 === data.length ? null : data[i2++]);
            cb(null);
          }
        });
      }
      static isBackpressured(rs) {
        return (rs._duplexState & READ_BACKPRESSURE_STATUS) !== 0 || rs._readableState.buffered >= rs._readableState.highWaterMark;
      }
      static isPaused(rs) {
        return (rs._duplexState & READ_RESUMED) === 0;
      }
      [asyncIterator]() {
        const stream = this;
        let error = null;
        let promiseResolve = null;
        let promiseReject = null;
        this.on("error", (err) => {
          error = err;
        });
        this.on("readable", onreadable);
        this.on("close", onclose);
        return {
          [asyncIterator]() {
            return this;
          },
          next() {
            return new Promise(function(resolve2, reject) {
              promiseResolve = resolve2;
              promiseReject = reject;
              const data = stream.read();
              if (data !== null) ondata(data);
              else if ((stream._duplexState & DESTROYED) !== 0) ondata(null);
            });
          },
          return() {
            return destroy(null);
          },
          throw(err) {
            return destroy(err);
          }
        };
        function onreadable() {
          if (promiseResolve !== null) ondata(stream.read());
        }
        function onclose() {
          if (promiseResolve !== null) ondata(null);
        }
        function ondata(data) {
          if (promiseReject === null) return;
          if (error) {
            promiseReject(error);
          } else if (data === null && (stream._duplexState & READ_DONE) === 0) {
            promiseReject(StreamError.STREAM_DESTROYED());
          } else {
            promiseResolve({ value: data, done: data === null });
          }
          promiseReject = promiseResolve = null;
        }
        function destroy(err) {
          stream.destroy(err);
          return new Promise((resolve2, reject) => {
            if (stream._duplexState & DESTROYED) return resolve2({ value: void 0, done: true });
            stream.once("close", function() {
              if (err) reject(err);
              else resolve2({ value: void 0, done: true });
            });
          });
        }
      }
    };
    var Writable4 = class extends Stream {
      constructor(opts2) {
        super(opts2);
        this._duplexState |= OPENING | READ_DONE;
        this._writableState = new WritableState(this, opts2);
        if (opts2) {
          if (opts2.writev) this._writev = opts2.writev;
          if (opts2.write) this._write = opts2.write;
          if (opts2.final) this._final = opts2.final;
          if (opts2.eagerOpen) this._writableState.updateNextTick();
        }
      }
      cork() {
        this._duplexState |= WRITE_CORKED;
      }
      uncork() {
        this._duplexState &= WRITE_NOT_CORKED;
        this._writableState.updateNextTick();
      }
      _writev(batch, cb) {
        cb(null);
      }
      _write(data, cb) {
        this._writableState.autoBatch(data, cb);
      }
      _final(cb) {
        cb(null);
      }
      static isBackpressured(ws) {
        return (ws._duplexState & WRITE_BACKPRESSURE_STATUS) !== 0;
      }
      static drained(ws) {
        if (ws.destroyed) return Promise.resolve(false);
        const state = ws._writableState;
        const pending2 = isWritev(ws) ? Math.min(1, state.queue.length) : state.queue.length;
        const writes = pending2 + (ws._duplexState & WRITE_WRITING ? 1 : 0);
        if (writes === 0) return Promise.resolve(true);
        if (state.drains === null) state.drains = [];
        return new Promise((resolve2) => {
          state.drains.push({ writes, resolve: resolve2 });
        });
      }
      write(data) {
        this._writableState.updateNextTick();
        return this._writableState.push(data);
      }
      end(data) {
        this._writableState.updateNextTick();
        this._writableState.end(data);
        return this;
      }
    };
    var Duplex4 = class extends Readable4 {
      // and Writable
      constructor(opts2) {
        super(opts2);
        this._duplexState = OPENING | this._duplexState & READ_READ_AHEAD;
        this._writableState = new WritableState(this, opts2);
        if (opts2) {
          if (opts2.writev) this._writev = opts2.writev;
          if (opts2.write) this._write = opts2.write;
          if (opts2.final) this._final = opts2.final;
        }
      }
      cork() {
        this._duplexState |= WRITE_CORKED;
      }
      uncork() {
        this._duplexState &= WRITE_NOT_CORKED;
        this._writableState.updateNextTick();
      }
      _writev(batch, cb) {
        cb(null);
      }
      _write(data, cb) {
        this._writableState.autoBatch(data, cb);
      }
      _final(cb) {
        cb(null);
      }
      write(data) {
        this._writableState.updateNextTick();
        return this._writableState.push(data);
      }
      end(data) {
        this._writableState.updateNextTick();
        this._writableState.end(data);
        return this;
      }
    };
    var Transform3 = class extends Duplex4 {
      constructor(opts2) {
        super(opts2);
        this._transformState = new TransformState(this);
        if (opts2) {
          if (opts2.transform) this._transform = opts2.transform;
          if (opts2.flush) this._flush = opts2.flush;
        }
      }
      _write(data, cb) {
        if (this._readableState.buffered >= this._readableState.highWaterMark) {
          this._transformState.data = data;
        } else {
          this._transform(data, this._transformState.afterTransform);
        }
      }
      _read(cb) {
        if (this._transformState.data !== null) {
          const data = this._transformState.data;
          this._transformState.data = null;
          cb(null);
          this._transform(data, this._transformState.afterTransform);
        } else {
          cb(null);
        }
      }
      destroy(err) {
        super.destroy(err);
        if (this._transformState.data !== null) {
          this._transformState.data = null;
          this._transformState.afterTransform();
        }
      }
      _transform(data, cb) {
        cb(null, data);
      }
      _flush(cb) {
        cb(null);
      }
      _final(cb) {
        this._transformState.afterFinal = cb;
        this._flush(transformAfterFlush.bind(this));
      }
    };
    var PassThrough3 = class extends Transform3 {
    };
    function transformAfterFlush(err, data) {
      const cb = this._transformState.afterFinal;
      if (err) return cb(err);
      if (data !== null && data !== void 0) this.push(data);
      this.push(null);
      cb(null);
    }
    function pipelinePromise(...streams) {
      return new Promise((resolve2, reject) => {
        return pipeline3(...streams, (err) => {
          if (err) return reject(err);
          resolve2();
        });
      });
    }
    function pipeline3(stream, ...streams) {
      const all = Array.isArray(stream) ? [...stream, ...streams] : [stream, ...streams];
      const done = all.length && typeof all[all.length - 1] === "function" ? all.pop() : null;
      if (all.length < 2) throw StreamError.BAD_ARGUMENT("Pipeline requires at least 2 streams");
      let src = all[0];
      let dest = null;
      let error = null;
      for (let i2 = 1; i2 < all.length; i2++) {
        dest = all[i2];
        if (isStreamx(src)) {
          src.pipe(dest, onerror);
        } else {
          errorHandle(src, true, i2 > 1, onerror);
          src.pipe(dest);
        }
        src = dest;
      }
      if (done) {
        let fin = false;
        const autoDestroy = isStreamx(dest) || !!(dest._writableState && dest._writableState.autoDestroy);
        dest.on("error", (err) => {
          if (error === null) error = err;
        });
        dest.on("finish", () => {
          fin = true;
          if (!autoDestroy) done(error);
        });
        if (autoDestroy) {
          dest.on("close", () => done(error || (fin ? null : StreamError.PREMATURE_CLOSE())));
        }
      }
      return dest;
      function errorHandle(s, rd, wr, onerror2) {
        s.on("error", onerror2);
        s.on("close", onclose);
        function onclose() {
          if (rd && s._readableState && !s._readableState.ended) {
            return onerror2(StreamError.PREMATURE_CLOSE());
          }
          if (wr && s._writableState && !s._writableState.ended) {
            return onerror2(StreamError.PREMATURE_CLOSE());
          }
        }
      }
      function onerror(err) {
        if (!err || error) return;
        error = err;
        for (const s of all) {
          s.destroy(err);
        }
      }
    }
    function echo(s) {
      return s;
    }
    function isStream2(stream) {
      return !!stream._readableState || !!stream._writableState;
    }
    function isStreamx(stream) {
      return typeof stream._duplexState === "number" && isStream2(stream);
    }
    function isEnding(stream) {
      return !!stream._readableState && stream._readableState.ending;
    }
    function isEnded(stream) {
      return !!stream._readableState && stream._readableState.ended;
    }
    function isFinishing(stream) {
      return !!stream._writableState && stream._writableState.ending;
    }
    function isFinished(stream) {
      return !!stream._writableState && stream._writableState.ended;
    }
    function getStreamError(stream, opts2 = {}) {
      const err = stream._readableState && stream._readableState.error || stream._writableState && stream._writableState.error;
      return !opts2.all && StreamError.isStreamDestroyed(err) ? null : err;
    }
    function isReadStreamx(stream) {
      return isStreamx(stream) && stream.readable;
    }
    function isDisturbed(stream) {
      return (stream._duplexState & OPENING) !== OPENING || (stream._duplexState & DESTROYING) === DESTROYING || (stream._duplexState & ACTIVE_OR_TICKING) !== 0;
    }
    function isTypedArray(data) {
      return typeof data === "object" && data !== null && typeof data.byteLength === "number";
    }
    function defaultByteLength(data) {
      return isTypedArray(data) ? data.byteLength : 1024;
    }
    function noop3() {
    }
    function abort() {
      this.destroy(StreamError.ABORTED());
    }
    function isWritev(s) {
      return s._writev !== Writable4.prototype._writev && s._writev !== Duplex4.prototype._writev;
    }
    module.exports = {
      pipeline: pipeline3,
      pipelinePromise,
      isStream: isStream2,
      isStreamx,
      isEnding,
      isEnded,
      isFinishing,
      isFinished,
      isDisturbed,
      getStreamError,
      Stream,
      Writable: Writable4,
      Readable: Readable4,
      Duplex: Duplex4,
      Transform: Transform3,
      // Export PassThrough for compatibility with Node.js core's stream module
      PassThrough: PassThrough3
    };
  }
});

// node_modules/tar-stream/headers.js
var require_headers = __commonJS({
  "node_modules/tar-stream/headers.js"(exports) {
    var b4a = require_b4a();
    var ZEROS3 = "0000000000000000000";
    var SEVENS = "7777777777777777777";
    var ZERO_OFFSET = "0".charCodeAt(0);
    var USTAR_MAGIC = b4a.from([117, 115, 116, 97, 114, 0]);
    var USTAR_VER = b4a.from([ZERO_OFFSET, ZERO_OFFSET]);
    var GNU_MAGIC = b4a.from([117, 115, 116, 97, 114, 32]);
    var GNU_VER = b4a.from([32, 0]);
    var MASK = 4095;
    var MAGIC_OFFSET = 257;
    var VERSION_OFFSET = 263;
    exports.decodeLongPath = function decodeLongPath(buf, encoding) {
      return decodeStr(buf, 0, buf.length, encoding);
    };
    exports.encodePax = function encodePax(opts2) {
      let result = "";
      if (opts2.name) result += addLength(" path=" + opts2.name + "\n");
      if (opts2.linkname) result += addLength(" linkpath=" + opts2.linkname + "\n");
      const pax = opts2.pax;
      if (pax) {
        for (const key in pax) {
          result += addLength(" " + key + "=" + pax[key] + "\n");
        }
      }
      return b4a.from(result);
    };
    exports.decodePax = function decodePax(buf) {
      const result = {};
      while (buf.length) {
        let i2 = 0;
        while (i2 < buf.length && buf[i2] !== 32) i2++;
        const len = parseInt(b4a.toString(buf.subarray(0, i2)), 10);
        if (!len) return result;
        const b = b4a.toString(buf.subarray(i2 + 1, len - 1));
        const keyIndex = b.indexOf("=");
        if (keyIndex === -1) return result;
        result[b.slice(0, keyIndex)] = b.slice(keyIndex + 1);
        buf = buf.subarray(len);
      }
      return result;
    };
    exports.encode = function encode(opts2) {
      const buf = b4a.alloc(512);
      let name = opts2.name;
      let prefix = "";
      if (opts2.typeflag === 5 && name[name.length - 1] !== "/") name += "/";
      if (b4a.byteLength(name) !== name.length) return null;
      while (b4a.byteLength(name) > 100) {
        const i2 = name.indexOf("/");
        if (i2 === -1) return null;
        prefix += prefix ? "/" + name.slice(0, i2) : name.slice(0, i2);
        name = name.slice(i2 + 1);
      }
      if (b4a.byteLength(name) > 100 || b4a.byteLength(prefix) > 155) return null;
      if (opts2.linkname && b4a.byteLength(opts2.linkname) > 100) return null;
      b4a.write(buf, name);
      b4a.write(buf, encodeOct(opts2.mode & MASK, 6), 100);
      b4a.write(buf, encodeOct(opts2.uid, 6), 108);
      b4a.write(buf, encodeOct(opts2.gid, 6), 116);
      encodeSize(opts2.size, buf, 124);
      b4a.write(buf, encodeOct(opts2.mtime.getTime() / 1e3 | 0, 11), 136);
      buf[156] = ZERO_OFFSET + toTypeflag(opts2.type);
      if (opts2.linkname) b4a.write(buf, opts2.linkname, 157);
      b4a.copy(USTAR_MAGIC, buf, MAGIC_OFFSET);
      b4a.copy(USTAR_VER, buf, VERSION_OFFSET);
      if (opts2.uname) b4a.write(buf, opts2.uname, 265);
      if (opts2.gname) b4a.write(buf, opts2.gname, 297);
      b4a.write(buf, encodeOct(opts2.devmajor || 0, 6), 329);
      b4a.write(buf, encodeOct(opts2.devminor || 0, 6), 337);
      if (prefix) b4a.write(buf, prefix, 345);
      b4a.write(buf, encodeOct(cksum(buf), 6), 148);
      return buf;
    };
    exports.decode = function decode(buf, filenameEncoding, allowUnknownFormat) {
      let typeflag = buf[156] === 0 ? 0 : buf[156] - ZERO_OFFSET;
      let name = decodeStr(buf, 0, 100, filenameEncoding);
      const mode = decodeOct(buf, 100, 8);
      const uid = decodeOct(buf, 108, 8);
      const gid = decodeOct(buf, 116, 8);
      const size = decodeOct(buf, 124, 12);
      const mtime = decodeOct(buf, 136, 12);
      const type = toType(typeflag);
      const linkname = buf[157] === 0 ? null : decodeStr(buf, 157, 100, filenameEncoding);
      const uname = decodeStr(buf, 265, 32);
      const gname = decodeStr(buf, 297, 32);
      const devmajor = decodeOct(buf, 329, 8);
      const devminor = decodeOct(buf, 337, 8);
      const c3 = cksum(buf);
      if (c3 === 8 * 32) return null;
      if (c3 !== decodeOct(buf, 148, 8)) throw new Error("Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?");
      if (isUSTAR(buf)) {
        if (buf[345]) name = decodeStr(buf, 345, 155, filenameEncoding) + "/" + name;
      } else if (isGNU(buf)) {
      } else {
        if (!allowUnknownFormat) {
          throw new Error("Invalid tar header: unknown format.");
        }
      }
      if (typeflag === 0 && name && name[name.length - 1] === "/") typeflag = 5;
      return {
        name,
        mode,
        uid,
        gid,
        size,
        byteOffset: 0,
        mtime: new Date(1e3 * mtime),
        type,
        linkname,
        uname,
        gname,
        devmajor,
        devminor,
        pax: null
      };
    };
    function isUSTAR(buf) {
      return b4a.equals(USTAR_MAGIC, buf.subarray(MAGIC_OFFSET, MAGIC_OFFSET + 6));
    }
    function isGNU(buf) {
      return b4a.equals(GNU_MAGIC, buf.subarray(MAGIC_OFFSET, MAGIC_OFFSET + 6)) && b4a.equals(GNU_VER, buf.subarray(VERSION_OFFSET, VERSION_OFFSET + 2));
    }
    function clamp(index, len, defaultValue) {
      if (typeof index !== "number") return defaultValue;
      index = ~~index;
      if (index >= len) return len;
      if (index >= 0) return index;
      index += len;
      if (index >= 0) return index;
      return 0;
    }
    function toType(flag) {
      switch (flag) {
        case 0:
          return "file";
        case 1:
          return "link";
        case 2:
          return "symlink";
        case 3:
          return "character-device";
        case 4:
          return "block-device";
        case 5:
          return "directory";
        case 6:
          return "fifo";
        case 7:
          return "contiguous-file";
        case 72:
          return "pax-header";
        case 55:
          return "pax-global-header";
        case 27:
          return "gnu-long-link-path";
        case 28:
        case 30:
          return "gnu-long-path";
      }
      return null;
    }
    function toTypeflag(flag) {
      switch (flag) {
        case "file":
          return 0;
        case "link":
          return 1;
        case "symlink":
          return 2;
        case "character-device":
          return 3;
        case "block-device":
          return 4;
        case "directory":
          return 5;
        case "fifo":
          return 6;
        case "contiguous-file":
          return 7;
        case "pax-header":
          return 72;
      }
      return 0;
    }
    function indexOf(block, num, offset, end) {
      for (; offset < end; offset++) {
        if (block[offset] === num) return offset;
      }
      return end;
    }
    function cksum(block) {
      let sum = 8 * 32;
      for (let i2 = 0; i2 < 148; i2++) sum += block[i2];
      for (let j = 156; j < 512; j++) sum += block[j];
      return sum;
    }
    function encodeOct(val, n2) {
      val = val.toString(8);
      if (val.length > n2) return SEVENS.slice(0, n2) + " ";
      return ZEROS3.slice(0, n2 - val.length) + val + " ";
    }
    function encodeSizeBin(num, buf, off2) {
      buf[off2] = 128;
      for (let i2 = 11; i2 > 0; i2--) {
        buf[off2 + i2] = num & 255;
        num = Math.floor(num / 256);
      }
    }
    function encodeSize(num, buf, off2) {
      if (num.toString(8).length > 11) {
        encodeSizeBin(num, buf, off2);
      } else {
        b4a.write(buf, encodeOct(num, 11), off2);
      }
    }
    function parse256(buf) {
      let positive;
      if (buf[0] === 128) positive = true;
      else if (buf[0] === 255) positive = false;
      else return null;
      const tuple = [];
      let i2;
      for (i2 = buf.length - 1; i2 > 0; i2--) {
        const byte = buf[i2];
        if (positive) tuple.push(byte);
        else tuple.push(255 - byte);
      }
      let sum = 0;
      const l = tuple.length;
      for (i2 = 0; i2 < l; i2++) {
        sum += tuple[i2] * Math.pow(256, i2);
      }
      return positive ? sum : -1 * sum;
    }
    function decodeOct(val, offset, length) {
      val = val.subarray(offset, offset + length);
      offset = 0;
      if (val[offset] & 128) {
        return parse256(val);
      } else {
        while (offset < val.length && val[offset] === 32) offset++;
        const end = clamp(indexOf(val, 32, offset, val.length), val.length, val.length);
        while (offset < end && val[offset] === 0) offset++;
        if (end === offset) return 0;
        return parseInt(b4a.toString(val.subarray(offset, end)), 8);
      }
    }
    function decodeStr(val, offset, length, encoding) {
      return b4a.toString(val.subarray(offset, indexOf(val, 0, offset, offset + length)), encoding);
    }
    function addLength(str2) {
      const len = b4a.byteLength(str2);
      let digits = Math.floor(Math.log(len) / Math.log(10)) + 1;
      if (len + digits >= Math.pow(10, digits)) digits++;
      return len + digits + str2;
    }
  }
});

// node_modules/tar-stream/extract.js
var require_extract = __commonJS({
  "node_modules/tar-stream/extract.js"(exports, module) {
    var { Writable: Writable4, Readable: Readable4, getStreamError } = require_streamx();
    var FIFO = require_fast_fifo();
    var b4a = require_b4a();
    var headers = require_headers();
    var EMPTY2 = b4a.alloc(0);
    var MAX_HEADER_SIZE = 4 * 1024 * 1024;
    var BufferList = class {
      constructor() {
        this.buffered = 0;
        this.shifted = 0;
        this.queue = new FIFO();
        this._offset = 0;
      }
      push(buffer) {
        this.buffered += buffer.byteLength;
        this.queue.push(buffer);
      }
      shiftFirst(size) {
        return this.buffered === 0 ? null : this._next(size);
      }
      shift(size) {
        if (size > this.buffered) return null;
        if (size === 0) return EMPTY2;
        let chunk = this._next(size);
        if (size === chunk.byteLength) return chunk;
        const chunks = [chunk];
        while ((size -= chunk.byteLength) > 0) {
          chunk = this._next(size);
          chunks.push(chunk);
        }
        return b4a.concat(chunks);
      }
      _next(size) {
        const buf = this.queue.peek();
        const rem = buf.byteLength - this._offset;
        if (size >= rem) {
          const sub = this._offset ? buf.subarray(this._offset, buf.byteLength) : buf;
          this.queue.shift();
          this._offset = 0;
          this.buffered -= rem;
          this.shifted += rem;
          return sub;
        }
        this.buffered -= size;
        this.shifted += size;
        return buf.subarray(this._offset, this._offset += size);
      }
    };
    var Source = class extends Readable4 {
      constructor(self2, header, offset) {
        super();
        this.header = header;
        this.offset = offset;
        this._parent = self2;
      }
      _read(cb) {
        if (this.header.size === 0) {
          this.push(null);
        }
        if (this._parent._stream === this) {
          this._parent._update();
        }
        cb(null);
      }
      _predestroy() {
        this._parent.destroy(getStreamError(this));
      }
      _detach() {
        if (this._parent._stream === this) {
          this._parent._stream = null;
          this._parent._missing = overflow(this.header.size);
          this._parent._update();
        }
      }
      _destroy(cb) {
        this._detach();
        cb(null);
      }
    };
    var Extract = class extends Writable4 {
      constructor(opts2) {
        super(opts2);
        if (!opts2) opts2 = {};
        this._buffer = new BufferList();
        this._offset = 0;
        this._header = null;
        this._stream = null;
        this._missing = 0;
        this._longHeader = false;
        this._callback = noop3;
        this._locked = false;
        this._finished = false;
        this._pax = null;
        this._paxGlobal = null;
        this._gnuLongPath = null;
        this._gnuLongLinkPath = null;
        this._filenameEncoding = opts2.filenameEncoding || "utf-8";
        this._allowUnknownFormat = !!opts2.allowUnknownFormat;
        this._unlockBound = this._unlock.bind(this);
      }
      _unlock(err) {
        this._locked = false;
        if (err) {
          this.destroy(err);
          this._continueWrite(err);
          return;
        }
        this._update();
      }
      _consumeHeader() {
        if (this._locked) return false;
        this._offset = this._buffer.shifted;
        try {
          this._header = headers.decode(this._buffer.shift(512), this._filenameEncoding, this._allowUnknownFormat);
        } catch (err) {
          this._continueWrite(err);
          return false;
        }
        if (!this._header) return true;
        this._header.byteOffset = this._buffer.shifted;
        switch (this._header.type) {
          case "gnu-long-path":
          case "gnu-long-link-path":
          case "pax-global-header":
          case "pax-header":
            this._longHeader = true;
            this._missing = this._header.size;
            if (this._missing > MAX_HEADER_SIZE) {
              this._continueWrite(new Error("Header exceeds max size"));
              return false;
            }
            return true;
        }
        this._locked = true;
        this._applyLongHeaders();
        if (!(this._header.size >= 0)) {
          this._continueWrite(new Error("Invalid header"));
          return false;
        }
        if (this._header.size === 0 || this._header.type === "directory") {
          this.emit("entry", this._header, this._createStream(), this._unlockBound);
          return true;
        }
        this._stream = this._createStream();
        this._missing = this._header.size;
        this.emit("entry", this._header, this._stream, this._unlockBound);
        return true;
      }
      _applyLongHeaders() {
        if (this._gnuLongPath) {
          this._header.name = this._gnuLongPath;
          this._gnuLongPath = null;
        }
        if (this._gnuLongLinkPath) {
          this._header.linkname = this._gnuLongLinkPath;
          this._gnuLongLinkPath = null;
        }
        if (this._pax) {
          if (this._pax.path) this._header.name = this._pax.path;
          if (this._pax.linkpath) this._header.linkname = this._pax.linkpath;
          if (this._pax.size) this._header.size = parseInt(this._pax.size, 10);
          this._header.pax = this._pax;
          this._pax = null;
        }
      }
      _decodeLongHeader(buf) {
        switch (this._header.type) {
          case "gnu-long-path":
            this._gnuLongPath = headers.decodeLongPath(buf, this._filenameEncoding);
            break;
          case "gnu-long-link-path":
            this._gnuLongLinkPath = headers.decodeLongPath(buf, this._filenameEncoding);
            break;
          case "pax-global-header":
            this._paxGlobal = headers.decodePax(buf);
            break;
          case "pax-header":
            this._pax = this._paxGlobal === null ? headers.decodePax(buf) : Object.assign({}, this._paxGlobal, headers.decodePax(buf));
            break;
        }
      }
      _consumeLongHeader() {
        this._longHeader = false;
        this._missing = overflow(this._header.size);
        const buf = this._buffer.shift(this._header.size);
        try {
          this._decodeLongHeader(buf);
        } catch (err) {
          this._continueWrite(err);
          return false;
        }
        return true;
      }
      _consumeStream() {
        const buf = this._buffer.shiftFirst(this._missing);
        if (buf === null) return false;
        this._missing -= buf.byteLength;
        const drained = this._stream.push(buf);
        if (this._missing === 0) {
          this._stream.push(null);
          if (drained) this._stream._detach();
          return drained && this._locked === false;
        }
        return drained;
      }
      _createStream() {
        return new Source(this, this._header, this._offset);
      }
      _update() {
        while (this._buffer.buffered > 0 && !this.destroying) {
          if (this._missing > 0) {
            if (this._stream !== null) {
              if (this._consumeStream() === false) return;
              continue;
            }
            if (this._longHeader === true) {
              if (this._missing > this._buffer.buffered) break;
              if (this._consumeLongHeader() === false) return false;
              continue;
            }
            const ignore = this._buffer.shiftFirst(this._missing);
            if (ignore !== null) this._missing -= ignore.byteLength;
            continue;
          }
          if (this._buffer.buffered < 512) break;
          if (this._stream !== null || this._consumeHeader() === false) return;
        }
        this._continueWrite(null);
      }
      _continueWrite(err) {
        const cb = this._callback;
        this._callback = noop3;
        cb(err);
      }
      _write(data, cb) {
        this._callback = cb;
        this._buffer.push(data);
        this._update();
      }
      _final(cb) {
        this._finished = this._missing === 0 && this._buffer.buffered === 0;
        cb(this._finished ? null : new Error("Unexpected end of data"));
      }
      _predestroy() {
        this._continueWrite(null);
      }
      _destroy(cb) {
        if (this._stream) this._stream.destroy(getStreamError(this));
        cb(null);
      }
      [Symbol.asyncIterator]() {
        let error = null;
        let promiseResolve = null;
        let promiseReject = null;
        let entryStream = null;
        let entryCallback = null;
        const extract = this;
        this.on("entry", onentry);
        this.on("error", (err) => {
          error = err;
        });
        this.on("close", onclose);
        return {
          [Symbol.asyncIterator]() {
            return this;
          },
          next() {
            return new Promise(onnext);
          },
          return() {
            return destroy(null);
          },
          throw(err) {
            return destroy(err);
          }
        };
        function consumeCallback(err) {
          if (!entryCallback) return;
          const cb = entryCallback;
          entryCallback = null;
          cb(err);
        }
        function onnext(resolve2, reject) {
          if (error) {
            return reject(error);
          }
          if (entryStream) {
            resolve2({ value: entryStream, done: false });
            entryStream = null;
            return;
          }
          promiseResolve = resolve2;
          promiseReject = reject;
          consumeCallback(null);
          if (extract._finished && promiseResolve) {
            promiseResolve({ value: void 0, done: true });
            promiseResolve = promiseReject = null;
          }
        }
        function onentry(header, stream, callback) {
          entryCallback = callback;
          stream.on("error", noop3);
          if (promiseResolve) {
            promiseResolve({ value: stream, done: false });
            promiseResolve = promiseReject = null;
          } else {
            entryStream = stream;
          }
        }
        function onclose() {
          consumeCallback(error);
          if (!promiseResolve) return;
          if (error) promiseReject(error);
          else promiseResolve({ value: void 0, done: true });
          promiseResolve = promiseReject = null;
        }
        function destroy(err) {
          extract.destroy(err);
          consumeCallback(err);
          return new Promise((resolve2, reject) => {
            if (extract.destroyed) return resolve2({ value: void 0, done: true });
            extract.once("close", function() {
              if (err) reject(err);
              else resolve2({ value: void 0, done: true });
            });
          });
        }
      }
    };
    module.exports = function extract(opts2) {
      return new Extract(opts2);
    };
    function noop3() {
    }
    function overflow(size) {
      size &= 511;
      return size && 512 - size;
    }
  }
});

// node_modules/tar-stream/constants.js
var require_constants = __commonJS({
  "node_modules/tar-stream/constants.js"(exports, module) {
    var constants4 = {
      // just for envs without fs
      S_IFMT: 61440,
      S_IFDIR: 16384,
      S_IFCHR: 8192,
      S_IFBLK: 24576,
      S_IFIFO: 4096,
      S_IFLNK: 40960
    };
    try {
      module.exports = __require("fs").constants || constants4;
    } catch {
      module.exports = constants4;
    }
  }
});

// node_modules/tar-stream/pack.js
var require_pack = __commonJS({
  "node_modules/tar-stream/pack.js"(exports, module) {
    var { Readable: Readable4, Writable: Writable4, getStreamError } = require_streamx();
    var b4a = require_b4a();
    var constants4 = require_constants();
    var headers = require_headers();
    var DMODE = 493;
    var FMODE = 420;
    var END_OF_TAR = b4a.alloc(1024);
    var Sink = class extends Writable4 {
      constructor(pack, header, callback) {
        super({ mapWritable, eagerOpen: true });
        this.written = 0;
        this.header = header;
        this._callback = callback;
        this._linkname = null;
        this._isLinkname = header.type === "symlink" && !header.linkname;
        this._isVoid = header.type !== "file" && header.type !== "contiguous-file";
        this._finished = false;
        this._pack = pack;
        this._openCallback = null;
        if (this._pack._stream === null) this._pack._stream = this;
        else this._pack._pending.push(this);
      }
      _open(cb) {
        this._openCallback = cb;
        if (this._pack._stream === this) this._continueOpen();
      }
      _continuePack(err) {
        if (this._callback === null) return;
        const callback = this._callback;
        this._callback = null;
        callback(err);
      }
      _continueOpen() {
        if (this._pack._stream === null) this._pack._stream = this;
        const cb = this._openCallback;
        this._openCallback = null;
        if (cb === null) return;
        if (this._pack.destroying) return cb(new Error("pack stream destroyed"));
        if (this._pack._finalized) return cb(new Error("pack stream is already finalized"));
        this._pack._stream = this;
        if (!this._isLinkname) {
          this._pack._encode(this.header);
        }
        if (this._isVoid) {
          this._finish();
          this._continuePack(null);
        }
        cb(null);
      }
      _write(data, cb) {
        if (this._isLinkname) {
          this._linkname = this._linkname ? b4a.concat([this._linkname, data]) : data;
          return cb(null);
        }
        if (this._isVoid) {
          if (data.byteLength > 0) {
            return cb(new Error("No body allowed for this entry"));
          }
          return cb();
        }
        this.written += data.byteLength;
        if (this._pack.push(data)) return cb();
        this._pack._drain = cb;
      }
      _finish() {
        if (this._finished) return;
        this._finished = true;
        if (this._isLinkname) {
          this.header.linkname = this._linkname ? b4a.toString(this._linkname, "utf-8") : "";
          this._pack._encode(this.header);
        }
        overflow(this._pack, this.header.size);
        this._pack._done(this);
      }
      _final(cb) {
        if (this.written !== this.header.size) {
          return cb(new Error("Size mismatch"));
        }
        this._finish();
        cb(null);
      }
      _getError() {
        return getStreamError(this) || new Error("tar entry destroyed");
      }
      _predestroy() {
        this._pack.destroy(this._getError());
      }
      _destroy(cb) {
        this._pack._done(this);
        this._continuePack(this._finished ? null : this._getError());
        cb();
      }
    };
    var Pack = class extends Readable4 {
      constructor(opts2) {
        super(opts2);
        this._drain = noop3;
        this._finalized = false;
        this._finalizing = false;
        this._pending = [];
        this._stream = null;
      }
      entry(header, buffer, callback) {
        if (this._finalized || this.destroying) throw new Error("already finalized or destroyed");
        if (typeof buffer === "function") {
          callback = buffer;
          buffer = null;
        }
        if (!callback) callback = noop3;
        if (!header.size || header.type === "symlink") header.size = 0;
        if (!header.type) header.type = modeToType(header.mode);
        if (!header.mode) header.mode = header.type === "directory" ? DMODE : FMODE;
        if (!header.uid) header.uid = 0;
        if (!header.gid) header.gid = 0;
        if (!header.mtime) header.mtime = /* @__PURE__ */ new Date();
        if (typeof buffer === "string") buffer = b4a.from(buffer);
        const sink = new Sink(this, header, callback);
        if (b4a.isBuffer(buffer)) {
          header.size = buffer.byteLength;
          sink.write(buffer);
          sink.end();
          return sink;
        }
        if (sink._isVoid) {
          return sink;
        }
        return sink;
      }
      finalize() {
        if (this._stream || this._pending.length > 0) {
          this._finalizing = true;
          return;
        }
        if (this._finalized) return;
        this._finalized = true;
        this.push(END_OF_TAR);
        this.push(null);
      }
      _done(stream) {
        if (stream !== this._stream) return;
        this._stream = null;
        if (this._finalizing) this.finalize();
        if (this._pending.length) this._pending.shift()._continueOpen();
      }
      _encode(header) {
        if (!header.pax) {
          const buf = headers.encode(header);
          if (buf) {
            this.push(buf);
            return;
          }
        }
        this._encodePax(header);
      }
      _encodePax(header) {
        const paxHeader = headers.encodePax({
          name: header.name,
          linkname: header.linkname,
          pax: header.pax
        });
        const newHeader = {
          name: "PaxHeader",
          mode: header.mode,
          uid: header.uid,
          gid: header.gid,
          size: paxHeader.byteLength,
          mtime: header.mtime,
          type: "pax-header",
          linkname: header.linkname && "PaxHeader",
          uname: header.uname,
          gname: header.gname,
          devmajor: header.devmajor,
          devminor: header.devminor
        };
        this.push(headers.encode(newHeader));
        this.push(paxHeader);
        overflow(this, paxHeader.byteLength);
        newHeader.size = header.size;
        newHeader.type = header.type;
        this.push(headers.encode(newHeader));
      }
      _doDrain() {
        const drain = this._drain;
        this._drain = noop3;
        drain();
      }
      _predestroy() {
        const err = getStreamError(this);
        if (this._stream) this._stream.destroy(err);
        while (this._pending.length) {
          const stream = this._pending.shift();
          stream.destroy(err);
          stream._continueOpen();
        }
        this._doDrain();
      }
      _read(cb) {
        this._doDrain();
        cb();
      }
    };
    module.exports = function pack(opts2) {
      return new Pack(opts2);
    };
    function modeToType(mode) {
      switch (mode & constants4.S_IFMT) {
        case constants4.S_IFBLK:
          return "block-device";
        case constants4.S_IFCHR:
          return "character-device";
        case constants4.S_IFDIR:
          return "directory";
        case constants4.S_IFIFO:
          return "fifo";
        case constants4.S_IFLNK:
          return "symlink";
      }
      return "file";
    }
    function noop3() {
    }
    function overflow(self2, size) {
      size &= 511;
      if (size) self2.push(END_OF_TAR.subarray(0, 512 - size));
    }
    function mapWritable(buf) {
      return b4a.isBuffer(buf) ? buf : b4a.from(buf);
    }
  }
});

// node_modules/tar-stream/index.js
var require_tar_stream = __commonJS({
  "node_modules/tar-stream/index.js"(exports) {
    exports.extract = require_extract();
    exports.pack = require_pack();
  }
});

// action/main.ts
import { spawnSync as spawnSync2 } from "node:child_process";
import { createHash as createHash11, randomUUID } from "node:crypto";
import { appendFileSync as appendFileSync2, closeSync as closeSync4, openSync as openSync4, existsSync, readFileSync as readFileSync8, constants as fsc8, promises as fsp19 } from "node:fs";
import os5 from "node:os";
import { fileURLToPath as fileURLToPath6 } from "node:url";
import path34 from "node:path";

// src/build.ts
import { promises as fsp18, constants as fsc6 } from "node:fs";
import { createHash as createHash10 } from "node:crypto";
import path32 from "node:path";

// src/errors.ts
import { readFileSync, statfsSync } from "node:fs";
import { dirname } from "node:path";
import os from "node:os";
var opts = (cause) => cause === void 0 ? void 0 : { cause };
var ImgsmithError = class extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = new.target.name;
  }
};
var UsageError = class extends ImgsmithError {
  get exitCode() {
    return 2;
  }
};
var BuildError = class extends ImgsmithError {
  get exitCode() {
    return 1;
  }
};
var InputError = class extends BuildError {
};
var ToolMissingError = class extends BuildError {
  constructor(tool, message) {
    super(message);
    this.tool = tool;
  }
  tool;
};
var ToolFailedError = class extends BuildError {
  constructor(tool, message, cause) {
    super(message, opts(cause));
    this.tool = tool;
  }
  tool;
};
var ToolVersionError = class extends ToolFailedError {
};
var DoesNotFitError = class extends BuildError {
};
var InterruptedError = class extends ImgsmithError {
  constructor(signal, message, cause) {
    super(message, opts(cause));
    this.signal = signal;
  }
  signal;
  get exitCode() {
    return signalExitCode(this.signal);
  }
};
function usageError(message) {
  return new UsageError(message);
}
function buildError(message, cause) {
  return new BuildError(message, opts(cause));
}
function toolFailed(tool, message, cause) {
  const killed = killedTool(cause);
  if (killed && INTERRUPTING.includes(killed.signal)) return new InterruptedError(killed.signal, message, cause);
  return new ToolFailedError(tool, message, cause);
}
var INTERRUPTING = ["SIGINT", "SIGTERM", "SIGHUP"];
function inputError(message, cause) {
  return new InputError(message, opts(cause));
}
function doesNotFit(message) {
  return new DoesNotFitError(message);
}
function signalExitCode(sig) {
  return 128 + (os.constants.signals[sig] ?? 0);
}
var MiB = 1024 * 1024;
var fmtBytes = (n2) => n2 >= 1024 * 1024 * MiB ? `${(n2 / (1024 * 1024 * MiB)).toFixed(1)} TiB` : n2 >= 1024 * MiB ? `${(n2 / (1024 * MiB)).toFixed(1)} GiB` : `${(n2 / MiB).toFixed(1)} MiB`;
function chain(err) {
  const out = [];
  for (let e = err, i2 = 0; e !== null && typeof e === "object" && i2 < 8; e = e.cause, i2++) out.push(e);
  return out;
}
function killedTool(err) {
  for (const e of chain(err)) {
    const x = e;
    if (typeof x.signal === "string" && x.isTerminated === true && typeof x.command === "string") {
      const first = x.command.split(" ")[0] ?? x.command;
      return { tool: first.slice(first.lastIndexOf("/") + 1), signal: x.signal };
    }
  }
  return void 0;
}
function limit(name) {
  try {
    const line = readFileSync("/proc/self/limits", "latin1").split("\n").find((l) => l.startsWith(name));
    const v = line?.slice(name.length).trim().split(/\s+/)[0];
    return v && /^\d+$/.test(v) ? Number(v) : void 0;
  } catch {
    return void 0;
  }
}
function freeSpace(dir) {
  if (!dir) return "";
  try {
    const s = statfsSync(dir);
    return ` (${fmtBytes(s.bavail * s.bsize)} free there)`;
  } catch {
    return "";
  }
}
var LONG_WORD = 240;
var SHOWN_END = 100;
function shortenLong(s) {
  return s.replace(new RegExp(`[^\\s]{${LONG_WORD + 1},}`, "g"), (w) => `${w.slice(0, SHOWN_END)}...${w.slice(-SHOWN_END)}`);
}
var hideTmp = (s) => s.replace(/\/\.imgsmith-tmp-[^/\s'"]+/g, "");
var STRERROR = [
  [/No space left on device/i, "ENOSPC"],
  [/Disk quota exceeded/i, "EDQUOT"],
  [/File too large/i, "EFBIG"],
  [/Too many open files in system/i, "ENFILE"],
  [/Too many open files/i, "EMFILE"]
];
function resourceCode(err) {
  for (const e of chain(err)) {
    if (typeof e.code === "string" && ["ENOSPC", "EDQUOT", "EFBIG", "EMFILE", "ENFILE", "ENOMEM"].includes(e.code)) {
      return { code: e.code, ...typeof e.path === "string" ? { path: e.path } : {} };
    }
  }
  const text = err instanceof Error ? err.message : String(err);
  for (const [re, code] of STRERROR) if (re.test(text)) return { code };
  return void 0;
}
function resourceAdvice(code, file, ctx) {
  const where2 = file ? ` while writing ${hideTmp(file)}` : ctx.outDir ? ` while writing in ${ctx.outDir}` : "";
  const dir = ctx.outDir ?? (file ? dirname(file) : void 0);
  const size = ctx.bytes !== void 0 ? ` (${fmtBytes(ctx.bytes)})` : "";
  const remedy = ctx.remedy ?? (ctx.outDir !== void 0 ? "use another -o" : "set TMPDIR to a directory with more space");
  switch (code) {
    case "ENOSPC":
      return `no space left on device${where2}${freeSpace(dir)}: free some space or ${remedy}`;
    case "EDQUOT":
      return `disk quota exceeded${where2}: free some space in your quota or ${remedy}`;
    case "EFBIG": {
      const fsize = limit("Max file size");
      return fsize !== void 0 ? `file size limit exceeded${where2}${size}: \`ulimit -f\` allows ${fmtBytes(fsize)}; raise it (\`ulimit -f unlimited\`) and run again` : `file too large${where2}${size}: the file system there cannot hold a file that large; ${ctx.outDir !== void 0 ? "use a smaller --size or another -o" : remedy}`;
    }
    case "EMFILE":
      return `too many open files${where2}: raise \`ulimit -n\` (now ${limit("Max open files") ?? "?"}) and run again`;
    case "ENFILE":
      return `the system-wide limit of open files is reached${where2}: close other programs or raise fs.file-max, and run again`;
    default:
      return `out of memory${where2}: free memory (or raise the memory limit) and run again`;
  }
}
var SIGNAL_HINT = {
  SIGKILL: " (out of memory? see `dmesg`)",
  SIGXFSZ: ": the file size limit is exceeded; raise `ulimit -f` (`ulimit -f unlimited`) and run again",
  SIGSEGV: " (it crashed)",
  SIGBUS: " (it crashed; a file it mapped shrank or the disk is full?)",
  SIGABRT: " (it aborted)"
};
function describeError(err, ctx = {}) {
  const oneLine = (s) => shortenLong(hideTmp(s).replace(/\s*\n\s*/g, " / ").trim());
  const base = err instanceof ImgsmithError ? err.exitCode : 1;
  if (err instanceof InterruptedError) return { message: `imgsmith: interrupted by ${err.signal}${ctx.interruptedNote ?? ""}`, exitCode: base, interrupted: err.signal };
  if (err instanceof ImgsmithError && explained.has(err)) return { message: oneLine(err.message), exitCode: base };
  const killed = killedTool(err);
  if (killed && INTERRUPTING.includes(killed.signal)) {
    return { message: `imgsmith: interrupted by ${killed.signal}${ctx.interruptedNote ?? ""}`, exitCode: signalExitCode(killed.signal), interrupted: killed.signal };
  }
  if (killed) return { message: `${killed.tool} was killed by ${killed.signal}${SIGNAL_HINT[killed.signal] ?? ""}`, exitCode: 1 };
  const res = resourceCode(err);
  if (res) {
    const advice = resourceAdvice(res.code, ctx.file ?? res.path, ctx);
    if (err instanceof ImgsmithError && !ctx.file) return { message: oneLine(`${advice} (${err.message})`), exitCode: 1 };
    return { message: oneLine(advice), exitCode: 1 };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { message: oneLine(message), exitCode: base };
}
function resourceError(err, ctx) {
  if (!resourceCode(err)) return void 0;
  const e = buildError(describeError(err, ctx).message, err);
  explained.add(e);
  return e;
}
var explained = /* @__PURE__ */ new WeakSet();

// src/lifetime.ts
import { readdirSync as readdirSync2, readFileSync as readFileSync4, writeSync, promises as fsp } from "node:fs";
import net from "node:net";
import os2 from "node:os";
import path7 from "node:path";
import tty3 from "node:tty";

// node_modules/is-plain-obj/index.js
function isPlainObject(value) {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const prototype = Object.getPrototypeOf(value);
  return (prototype === null || prototype === Object.prototype || Object.getPrototypeOf(prototype) === null) && !(Symbol.toStringTag in value) && !(Symbol.iterator in value);
}

// node_modules/execa/lib/arguments/file-url.js
import { fileURLToPath } from "node:url";
var safeNormalizeFileUrl = (file, name) => {
  const fileString = normalizeFileUrl(normalizeDenoExecPath(file));
  if (typeof fileString !== "string") {
    throw new TypeError(`${name} must be a string or a file URL: ${fileString}.`);
  }
  return fileString;
};
var normalizeDenoExecPath = (file) => isDenoExecPath(file) ? file.toString() : file;
var isDenoExecPath = (file) => typeof file !== "string" && file && Object.getPrototypeOf(file) === String.prototype;
var normalizeFileUrl = (file) => file instanceof URL ? fileURLToPath(file) : file;

// node_modules/execa/lib/methods/parameters.js
var normalizeParameters = (rawFile, rawArguments = [], rawOptions = {}) => {
  const filePath = safeNormalizeFileUrl(rawFile, "First argument");
  const [commandArguments, options] = isPlainObject(rawArguments) ? [[], rawArguments] : [rawArguments, rawOptions];
  if (!Array.isArray(commandArguments)) {
    throw new TypeError(`Second argument must be either an array of arguments or an options object: ${commandArguments}`);
  }
  if (commandArguments.some((commandArgument) => typeof commandArgument === "object" && commandArgument !== null)) {
    throw new TypeError(`Second argument must be an array of strings: ${commandArguments}`);
  }
  const normalizedArguments = commandArguments.map(String);
  const nullByteArgument = normalizedArguments.find((normalizedArgument) => normalizedArgument.includes("\0"));
  if (nullByteArgument !== void 0) {
    throw new TypeError(`Arguments cannot contain null bytes ("\\0"): ${nullByteArgument}`);
  }
  if (!isPlainObject(options)) {
    throw new TypeError(`Last argument must be an options object: ${options}`);
  }
  return [filePath, normalizedArguments, options];
};

// node_modules/execa/lib/methods/template.js
import { ChildProcess } from "node:child_process";

// node_modules/execa/lib/utils/uint-array.js
import { StringDecoder } from "node:string_decoder";
var { toString: objectToString } = Object.prototype;
var isArrayBuffer = (value) => objectToString.call(value) === "[object ArrayBuffer]";
var isUint8Array = (value) => objectToString.call(value) === "[object Uint8Array]";
var bufferToUint8Array = (buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
var textEncoder = new TextEncoder();
var stringToUint8Array = (string) => textEncoder.encode(string);
var textDecoder = new TextDecoder();
var uint8ArrayToString = (uint8Array) => textDecoder.decode(uint8Array);
var joinToString = (uint8ArraysOrStrings, encoding) => {
  const strings = uint8ArraysToStrings(uint8ArraysOrStrings, encoding);
  return strings.join("");
};
var uint8ArraysToStrings = (uint8ArraysOrStrings, encoding) => {
  if (encoding === "utf8" && uint8ArraysOrStrings.every((uint8ArrayOrString) => typeof uint8ArrayOrString === "string")) {
    return uint8ArraysOrStrings;
  }
  const decoder = new StringDecoder(encoding);
  const strings = uint8ArraysOrStrings.map((uint8ArrayOrString) => typeof uint8ArrayOrString === "string" ? stringToUint8Array(uint8ArrayOrString) : uint8ArrayOrString).map((uint8Array) => decoder.write(uint8Array));
  const finalString = decoder.end();
  return finalString === "" ? strings : [...strings, finalString];
};
var joinToUint8Array = (uint8ArraysOrStrings) => {
  if (uint8ArraysOrStrings.length === 1 && isUint8Array(uint8ArraysOrStrings[0])) {
    return uint8ArraysOrStrings[0];
  }
  return concatUint8Arrays(stringsToUint8Arrays(uint8ArraysOrStrings));
};
var stringsToUint8Arrays = (uint8ArraysOrStrings) => uint8ArraysOrStrings.map((uint8ArrayOrString) => typeof uint8ArrayOrString === "string" ? stringToUint8Array(uint8ArrayOrString) : uint8ArrayOrString);
var concatUint8Arrays = (uint8Arrays) => {
  const result = new Uint8Array(getJoinLength(uint8Arrays));
  let index = 0;
  for (const uint8Array of uint8Arrays) {
    result.set(uint8Array, index);
    index += uint8Array.length;
  }
  return result;
};
var getJoinLength = (uint8Arrays) => {
  let joinLength = 0;
  for (const uint8Array of uint8Arrays) {
    joinLength += uint8Array.length;
  }
  return joinLength;
};

// node_modules/execa/lib/methods/template.js
var isTemplateString = (templates) => Array.isArray(templates) && Array.isArray(templates.raw);
var parseTemplates = (templates, expressions) => {
  let tokens = [];
  for (const [index, template] of templates.entries()) {
    tokens = parseTemplate({
      templates,
      expressions,
      tokens,
      index,
      template
    });
  }
  if (tokens.length === 0) {
    throw new TypeError("Template script must not be empty");
  }
  const [file, ...commandArguments] = tokens;
  return [file, commandArguments, {}];
};
var parseTemplate = ({ templates, expressions, tokens, index, template }) => {
  if (template === void 0) {
    throw new TypeError(`Invalid backslash sequence: ${templates.raw[index]}`);
  }
  const { nextTokens, leadingWhitespaces, trailingWhitespaces } = splitByWhitespaces(template, templates.raw[index]);
  const newTokens = concatTokens(tokens, nextTokens, leadingWhitespaces);
  if (index === expressions.length) {
    return newTokens;
  }
  const expression = expressions[index];
  const expressionTokens = Array.isArray(expression) ? expression.map((expression2) => parseExpression(expression2)) : [parseExpression(expression)];
  return concatTokens(newTokens, expressionTokens, trailingWhitespaces);
};
var splitByWhitespaces = (template, rawTemplate) => {
  if (rawTemplate.length === 0) {
    return { nextTokens: [], leadingWhitespaces: false, trailingWhitespaces: false };
  }
  const nextTokens = [];
  let templateStart = 0;
  const leadingWhitespaces = DELIMITERS.has(rawTemplate[0]);
  for (let templateIndex = 0, rawIndex = 0; templateIndex < template.length; templateIndex += 1, rawIndex += 1) {
    const rawCharacter = rawTemplate[rawIndex];
    if (DELIMITERS.has(rawCharacter)) {
      if (templateStart !== templateIndex) {
        nextTokens.push(template.slice(templateStart, templateIndex));
      }
      templateStart = templateIndex + 1;
    } else if (rawCharacter === "\\") {
      const nextRawCharacter = rawTemplate[rawIndex + 1];
      if (nextRawCharacter === "\n") {
        templateIndex -= 1;
        rawIndex += 1;
      } else if (nextRawCharacter === "u" && rawTemplate[rawIndex + 2] === "{") {
        rawIndex = rawTemplate.indexOf("}", rawIndex + 3);
      } else {
        rawIndex += ESCAPE_LENGTH[nextRawCharacter] ?? 1;
      }
    }
  }
  const trailingWhitespaces = templateStart === template.length;
  if (!trailingWhitespaces) {
    nextTokens.push(template.slice(templateStart));
  }
  return { nextTokens, leadingWhitespaces, trailingWhitespaces };
};
var DELIMITERS = /* @__PURE__ */ new Set([" ", "	", "\r", "\n"]);
var ESCAPE_LENGTH = { x: 3, u: 5 };
var concatTokens = (tokens, nextTokens, isSeparated) => isSeparated || tokens.length === 0 || nextTokens.length === 0 ? [...tokens, ...nextTokens] : [
  ...tokens.slice(0, -1),
  `${tokens.at(-1)}${nextTokens[0]}`,
  ...nextTokens.slice(1)
];
var parseExpression = (expression) => {
  const typeOfExpression = typeof expression;
  if (typeOfExpression === "string") {
    return expression;
  }
  if (typeOfExpression === "number") {
    return String(expression);
  }
  if (isPlainObject(expression) && ("stdout" in expression || "isMaxBuffer" in expression)) {
    return getSubprocessResult(expression);
  }
  if (expression instanceof ChildProcess || Object.prototype.toString.call(expression) === "[object Promise]") {
    throw new TypeError("Unexpected subprocess in template expression. Please use ${await subprocess} instead of ${subprocess}.");
  }
  throw new TypeError(`Unexpected "${typeOfExpression}" in template expression`);
};
var getSubprocessResult = ({ stdout }) => {
  if (typeof stdout === "string") {
    return stdout;
  }
  if (isUint8Array(stdout)) {
    return uint8ArrayToString(stdout);
  }
  if (stdout === void 0) {
    throw new TypeError(`Missing result.stdout in template expression. This is probably due to the previous subprocess' "stdout" option.`);
  }
  throw new TypeError(`Unexpected "${typeof stdout}" stdout in template expression`);
};

// node_modules/execa/lib/methods/main-sync.js
import { spawnSync } from "node:child_process";

// node_modules/execa/lib/arguments/specific.js
import { debuglog } from "node:util";

// node_modules/execa/lib/utils/standard-stream.js
import process2 from "node:process";
var isStandardStream = (stream) => STANDARD_STREAMS.includes(stream);
var STANDARD_STREAMS = [process2.stdin, process2.stdout, process2.stderr];
var STANDARD_STREAMS_ALIASES = ["stdin", "stdout", "stderr"];
var getStreamName = (fdNumber) => STANDARD_STREAMS_ALIASES[fdNumber] ?? `stdio[${fdNumber}]`;

// node_modules/execa/lib/arguments/specific.js
var normalizeFdSpecificOptions = (options) => {
  const optionsCopy = { ...options };
  for (const optionName of FD_SPECIFIC_OPTIONS) {
    optionsCopy[optionName] = normalizeFdSpecificOption(options, optionName);
  }
  return optionsCopy;
};
var normalizeFdSpecificOption = (options, optionName) => {
  const optionBaseArray = Array.from({ length: getStdioLength(options) + 1 });
  const optionArray = normalizeFdSpecificValue(options[optionName], optionBaseArray, optionName);
  return addDefaultValue(optionArray, optionName);
};
var getStdioLength = ({ stdio }) => Array.isArray(stdio) ? Math.max(stdio.length, STANDARD_STREAMS_ALIASES.length) : STANDARD_STREAMS_ALIASES.length;
var normalizeFdSpecificValue = (optionValue, optionArray, optionName) => isPlainObject(optionValue) ? normalizeOptionObject(optionValue, optionArray, optionName) : optionArray.fill(optionValue);
var normalizeOptionObject = (optionValue, optionArray, optionName) => {
  for (const fdName of Object.keys(optionValue).sort(compareFdName)) {
    for (const fdNumber of parseFdName(fdName, optionName, optionArray)) {
      optionArray[fdNumber] = optionValue[fdName];
    }
  }
  return optionArray;
};
var compareFdName = (fdNameA, fdNameB) => getFdNameOrder(fdNameA) < getFdNameOrder(fdNameB) ? 1 : -1;
var getFdNameOrder = (fdName) => {
  if (fdName === "stdout" || fdName === "stderr") {
    return 0;
  }
  return fdName === "all" ? 2 : 1;
};
var parseFdName = (fdName, optionName, optionArray) => {
  if (fdName === "ipc") {
    return [optionArray.length - 1];
  }
  const fdNumber = parseFd(fdName);
  if (fdNumber === void 0 || fdNumber === 0) {
    throw new TypeError(`"${optionName}.${fdName}" is invalid.
It must be "${optionName}.stdout", "${optionName}.stderr", "${optionName}.all", "${optionName}.ipc", or "${optionName}.fd3", "${optionName}.fd4" (and so on).`);
  }
  if (fdNumber >= optionArray.length) {
    throw new TypeError(`"${optionName}.${fdName}" is invalid: that file descriptor does not exist.
Please set the "stdio" option to ensure that file descriptor exists.`);
  }
  return fdNumber === "all" ? [1, 2] : [fdNumber];
};
var parseFd = (fdName) => {
  if (fdName === "all") {
    return fdName;
  }
  if (STANDARD_STREAMS_ALIASES.includes(fdName)) {
    return STANDARD_STREAMS_ALIASES.indexOf(fdName);
  }
  const regexpResult = FD_REGEXP.exec(fdName);
  if (regexpResult !== null) {
    return Number(regexpResult[1]);
  }
};
var FD_REGEXP = /^fd(\d+)$/;
var addDefaultValue = (optionArray, optionName) => optionArray.map((optionValue) => optionValue === void 0 ? DEFAULT_OPTIONS[optionName] : optionValue);
var verboseDefault = debuglog("execa").enabled ? "full" : "none";
var DEFAULT_OPTIONS = {
  lines: false,
  buffer: true,
  maxBuffer: 1e3 * 1e3 * 100,
  verbose: verboseDefault,
  stripFinalNewline: true
};
var FD_SPECIFIC_OPTIONS = ["lines", "buffer", "maxBuffer", "verbose", "stripFinalNewline"];
var getFdSpecificValue = (optionArray, fdNumber) => fdNumber === "ipc" ? optionArray.at(-1) : optionArray[fdNumber];

// node_modules/execa/lib/verbose/values.js
var isVerbose = ({ verbose }, fdNumber) => getFdVerbose(verbose, fdNumber) !== "none";
var isFullVerbose = ({ verbose }, fdNumber) => !["none", "short"].includes(getFdVerbose(verbose, fdNumber));
var getVerboseFunction = ({ verbose }, fdNumber) => {
  const fdVerbose = getFdVerbose(verbose, fdNumber);
  return isVerboseFunction(fdVerbose) ? fdVerbose : void 0;
};
var getFdVerbose = (verbose, fdNumber) => fdNumber === void 0 ? getFdGenericVerbose(verbose) : getFdSpecificValue(verbose, fdNumber);
var getFdGenericVerbose = (verbose) => verbose.find((fdVerbose) => isVerboseFunction(fdVerbose)) ?? VERBOSE_VALUES.findLast((fdVerbose) => verbose.includes(fdVerbose));
var isVerboseFunction = (fdVerbose) => typeof fdVerbose === "function";
var VERBOSE_VALUES = ["none", "short", "full"];

// node_modules/execa/lib/verbose/log.js
import { inspect } from "node:util";

// node_modules/execa/lib/arguments/escape.js
import { platform } from "node:process";
import { stripVTControlCharacters } from "node:util";
var joinCommand = (filePath, rawArguments) => {
  const fileAndArguments = [filePath, ...rawArguments];
  const command = fileAndArguments.join(" ");
  const escapedCommand = fileAndArguments.map((fileAndArgument) => quoteString(escapeControlCharacters(fileAndArgument))).join(" ");
  return { command, escapedCommand };
};
var escapeLines = (lines) => stripVTControlCharacters(lines).split("\n").map((line) => escapeControlCharacters(line)).join("\n");
var escapeControlCharacters = (line) => line.replaceAll(SPECIAL_CHAR_REGEXP, (character) => escapeControlCharacter(character));
var escapeControlCharacter = (character) => {
  const commonEscape = COMMON_ESCAPES[character];
  if (commonEscape !== void 0) {
    return commonEscape;
  }
  const codepoint = character.codePointAt(0);
  const codepointHex = codepoint.toString(16);
  return codepoint <= ASTRAL_START ? `\\u${codepointHex.padStart(4, "0")}` : `\\U${codepointHex}`;
};
var getSpecialCharRegExp = () => {
  try {
    return new RegExp("\\p{Separator}|\\p{Other}", "gu");
  } catch {
    return /[\s\u0000-\u001F\u007F-\u009F\u00AD]/g;
  }
};
var SPECIAL_CHAR_REGEXP = getSpecialCharRegExp();
var COMMON_ESCAPES = {
  " ": " ",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "	": "\\t"
};
var ASTRAL_START = 65535;
var quoteString = (escapedArgument) => {
  if (NO_ESCAPE_REGEXP.test(escapedArgument)) {
    return escapedArgument;
  }
  return platform === "win32" ? `"${escapedArgument.replaceAll('"', '""')}"` : `'${escapedArgument.replaceAll("'", "'\\''")}'`;
};
var NO_ESCAPE_REGEXP = /^[\w./-]+$/;

// node_modules/is-unicode-supported/index.js
import process3 from "node:process";
function isUnicodeSupported() {
  const { env } = process3;
  const { TERM, TERM_PROGRAM } = env;
  if (process3.platform !== "win32") {
    return TERM !== "linux";
  }
  return Boolean(env.WT_SESSION) || Boolean(env.TERMINUS_SUBLIME) || env.ConEmuTask === "{cmd::Cmder}" || TERM_PROGRAM === "Terminus-Sublime" || TERM_PROGRAM === "vscode" || TERM === "xterm-256color" || TERM === "alacritty" || TERM === "rxvt-unicode" || TERM === "rxvt-unicode-256color" || env.TERMINAL_EMULATOR === "JetBrains-JediTerm";
}

// node_modules/figures/index.js
var common = {
  circleQuestionMark: "(?)",
  questionMarkPrefix: "(?)",
  square: "\u2588",
  squareDarkShade: "\u2593",
  squareMediumShade: "\u2592",
  squareLightShade: "\u2591",
  squareTop: "\u2580",
  squareBottom: "\u2584",
  squareLeft: "\u258C",
  squareRight: "\u2590",
  squareCenter: "\u25A0",
  bullet: "\u25CF",
  dot: "\u2024",
  ellipsis: "\u2026",
  pointerSmall: "\u203A",
  triangleUp: "\u25B2",
  triangleUpSmall: "\u25B4",
  triangleDown: "\u25BC",
  triangleDownSmall: "\u25BE",
  triangleLeftSmall: "\u25C2",
  triangleRightSmall: "\u25B8",
  home: "\u2302",
  heart: "\u2665",
  musicNote: "\u266A",
  musicNoteBeamed: "\u266B",
  arrowUp: "\u2191",
  arrowDown: "\u2193",
  arrowLeft: "\u2190",
  arrowRight: "\u2192",
  arrowLeftRight: "\u2194",
  arrowUpDown: "\u2195",
  almostEqual: "\u2248",
  notEqual: "\u2260",
  lessOrEqual: "\u2264",
  greaterOrEqual: "\u2265",
  identical: "\u2261",
  infinity: "\u221E",
  subscriptZero: "\u2080",
  subscriptOne: "\u2081",
  subscriptTwo: "\u2082",
  subscriptThree: "\u2083",
  subscriptFour: "\u2084",
  subscriptFive: "\u2085",
  subscriptSix: "\u2086",
  subscriptSeven: "\u2087",
  subscriptEight: "\u2088",
  subscriptNine: "\u2089",
  oneHalf: "\xBD",
  oneThird: "\u2153",
  oneQuarter: "\xBC",
  oneFifth: "\u2155",
  oneSixth: "\u2159",
  oneEighth: "\u215B",
  twoThirds: "\u2154",
  twoFifths: "\u2156",
  threeQuarters: "\xBE",
  threeFifths: "\u2157",
  threeEighths: "\u215C",
  fourFifths: "\u2158",
  fiveSixths: "\u215A",
  fiveEighths: "\u215D",
  sevenEighths: "\u215E",
  line: "\u2500",
  lineBold: "\u2501",
  lineDouble: "\u2550",
  lineDashed0: "\u2504",
  lineDashed1: "\u2505",
  lineDashed2: "\u2508",
  lineDashed3: "\u2509",
  lineDashed4: "\u254C",
  lineDashed5: "\u254D",
  lineDashed6: "\u2574",
  lineDashed7: "\u2576",
  lineDashed8: "\u2578",
  lineDashed9: "\u257A",
  lineDashed10: "\u257C",
  lineDashed11: "\u257E",
  lineDashed12: "\u2212",
  lineDashed13: "\u2013",
  lineDashed14: "\u2010",
  lineDashed15: "\u2043",
  lineVertical: "\u2502",
  lineVerticalBold: "\u2503",
  lineVerticalDouble: "\u2551",
  lineVerticalDashed0: "\u2506",
  lineVerticalDashed1: "\u2507",
  lineVerticalDashed2: "\u250A",
  lineVerticalDashed3: "\u250B",
  lineVerticalDashed4: "\u254E",
  lineVerticalDashed5: "\u254F",
  lineVerticalDashed6: "\u2575",
  lineVerticalDashed7: "\u2577",
  lineVerticalDashed8: "\u2579",
  lineVerticalDashed9: "\u257B",
  lineVerticalDashed10: "\u257D",
  lineVerticalDashed11: "\u257F",
  lineDownLeft: "\u2510",
  lineDownLeftArc: "\u256E",
  lineDownBoldLeftBold: "\u2513",
  lineDownBoldLeft: "\u2512",
  lineDownLeftBold: "\u2511",
  lineDownDoubleLeftDouble: "\u2557",
  lineDownDoubleLeft: "\u2556",
  lineDownLeftDouble: "\u2555",
  lineDownRight: "\u250C",
  lineDownRightArc: "\u256D",
  lineDownBoldRightBold: "\u250F",
  lineDownBoldRight: "\u250E",
  lineDownRightBold: "\u250D",
  lineDownDoubleRightDouble: "\u2554",
  lineDownDoubleRight: "\u2553",
  lineDownRightDouble: "\u2552",
  lineUpLeft: "\u2518",
  lineUpLeftArc: "\u256F",
  lineUpBoldLeftBold: "\u251B",
  lineUpBoldLeft: "\u251A",
  lineUpLeftBold: "\u2519",
  lineUpDoubleLeftDouble: "\u255D",
  lineUpDoubleLeft: "\u255C",
  lineUpLeftDouble: "\u255B",
  lineUpRight: "\u2514",
  lineUpRightArc: "\u2570",
  lineUpBoldRightBold: "\u2517",
  lineUpBoldRight: "\u2516",
  lineUpRightBold: "\u2515",
  lineUpDoubleRightDouble: "\u255A",
  lineUpDoubleRight: "\u2559",
  lineUpRightDouble: "\u2558",
  lineUpDownLeft: "\u2524",
  lineUpBoldDownBoldLeftBold: "\u252B",
  lineUpBoldDownBoldLeft: "\u2528",
  lineUpDownLeftBold: "\u2525",
  lineUpBoldDownLeftBold: "\u2529",
  lineUpDownBoldLeftBold: "\u252A",
  lineUpDownBoldLeft: "\u2527",
  lineUpBoldDownLeft: "\u2526",
  lineUpDoubleDownDoubleLeftDouble: "\u2563",
  lineUpDoubleDownDoubleLeft: "\u2562",
  lineUpDownLeftDouble: "\u2561",
  lineUpDownRight: "\u251C",
  lineUpBoldDownBoldRightBold: "\u2523",
  lineUpBoldDownBoldRight: "\u2520",
  lineUpDownRightBold: "\u251D",
  lineUpBoldDownRightBold: "\u2521",
  lineUpDownBoldRightBold: "\u2522",
  lineUpDownBoldRight: "\u251F",
  lineUpBoldDownRight: "\u251E",
  lineUpDoubleDownDoubleRightDouble: "\u2560",
  lineUpDoubleDownDoubleRight: "\u255F",
  lineUpDownRightDouble: "\u255E",
  lineDownLeftRight: "\u252C",
  lineDownBoldLeftBoldRightBold: "\u2533",
  lineDownLeftBoldRightBold: "\u252F",
  lineDownBoldLeftRight: "\u2530",
  lineDownBoldLeftBoldRight: "\u2531",
  lineDownBoldLeftRightBold: "\u2532",
  lineDownLeftRightBold: "\u252E",
  lineDownLeftBoldRight: "\u252D",
  lineDownDoubleLeftDoubleRightDouble: "\u2566",
  lineDownDoubleLeftRight: "\u2565",
  lineDownLeftDoubleRightDouble: "\u2564",
  lineUpLeftRight: "\u2534",
  lineUpBoldLeftBoldRightBold: "\u253B",
  lineUpLeftBoldRightBold: "\u2537",
  lineUpBoldLeftRight: "\u2538",
  lineUpBoldLeftBoldRight: "\u2539",
  lineUpBoldLeftRightBold: "\u253A",
  lineUpLeftRightBold: "\u2536",
  lineUpLeftBoldRight: "\u2535",
  lineUpDoubleLeftDoubleRightDouble: "\u2569",
  lineUpDoubleLeftRight: "\u2568",
  lineUpLeftDoubleRightDouble: "\u2567",
  lineUpDownLeftRight: "\u253C",
  lineUpBoldDownBoldLeftBoldRightBold: "\u254B",
  lineUpDownBoldLeftBoldRightBold: "\u2548",
  lineUpBoldDownLeftBoldRightBold: "\u2547",
  lineUpBoldDownBoldLeftRightBold: "\u254A",
  lineUpBoldDownBoldLeftBoldRight: "\u2549",
  lineUpBoldDownLeftRight: "\u2540",
  lineUpDownBoldLeftRight: "\u2541",
  lineUpDownLeftBoldRight: "\u253D",
  lineUpDownLeftRightBold: "\u253E",
  lineUpBoldDownBoldLeftRight: "\u2542",
  lineUpDownLeftBoldRightBold: "\u253F",
  lineUpBoldDownLeftBoldRight: "\u2543",
  lineUpBoldDownLeftRightBold: "\u2544",
  lineUpDownBoldLeftBoldRight: "\u2545",
  lineUpDownBoldLeftRightBold: "\u2546",
  lineUpDoubleDownDoubleLeftDoubleRightDouble: "\u256C",
  lineUpDoubleDownDoubleLeftRight: "\u256B",
  lineUpDownLeftDoubleRightDouble: "\u256A",
  lineCross: "\u2573",
  lineBackslash: "\u2572",
  lineSlash: "\u2571"
};
var specialMainSymbols = {
  tick: "\u2714",
  info: "\u2139",
  warning: "\u26A0",
  cross: "\u2718",
  squareSmall: "\u25FB",
  squareSmallFilled: "\u25FC",
  circle: "\u25EF",
  circleFilled: "\u25C9",
  circleDotted: "\u25CC",
  circleDouble: "\u25CE",
  circleCircle: "\u24DE",
  circleCross: "\u24E7",
  circlePipe: "\u24BE",
  radioOn: "\u25C9",
  radioOff: "\u25EF",
  checkboxOn: "\u2612",
  checkboxOff: "\u2610",
  checkboxCircleOn: "\u24E7",
  checkboxCircleOff: "\u24BE",
  pointer: "\u276F",
  triangleUpOutline: "\u25B3",
  triangleLeft: "\u25C0",
  triangleRight: "\u25B6",
  lozenge: "\u25C6",
  lozengeOutline: "\u25C7",
  hamburger: "\u2630",
  smiley: "\u32E1",
  mustache: "\u0DF4",
  star: "\u2605",
  play: "\u25B6",
  nodejs: "\u2B22",
  oneSeventh: "\u2150",
  oneNinth: "\u2151",
  oneTenth: "\u2152"
};
var specialFallbackSymbols = {
  tick: "\u221A",
  info: "i",
  warning: "\u203C",
  cross: "\xD7",
  squareSmall: "\u25A1",
  squareSmallFilled: "\u25A0",
  circle: "( )",
  circleFilled: "(*)",
  circleDotted: "( )",
  circleDouble: "( )",
  circleCircle: "(\u25CB)",
  circleCross: "(\xD7)",
  circlePipe: "(\u2502)",
  radioOn: "(*)",
  radioOff: "( )",
  checkboxOn: "[\xD7]",
  checkboxOff: "[ ]",
  checkboxCircleOn: "(\xD7)",
  checkboxCircleOff: "( )",
  pointer: ">",
  triangleUpOutline: "\u2206",
  triangleLeft: "\u25C4",
  triangleRight: "\u25BA",
  lozenge: "\u2666",
  lozengeOutline: "\u25CA",
  hamburger: "\u2261",
  smiley: "\u263A",
  mustache: "\u250C\u2500\u2510",
  star: "\u2736",
  play: "\u25BA",
  nodejs: "\u2666",
  oneSeventh: "1/7",
  oneNinth: "1/9",
  oneTenth: "1/10"
};
var mainSymbols = { ...common, ...specialMainSymbols };
var fallbackSymbols = { ...common, ...specialFallbackSymbols };
var shouldUseMain = isUnicodeSupported();
var figures = shouldUseMain ? mainSymbols : fallbackSymbols;
var figures_default = figures;
var replacements = Object.entries(specialMainSymbols);

// node_modules/yoctocolors/base.js
import tty from "node:tty";
var hasColors = tty?.WriteStream?.prototype?.hasColors?.() ?? false;
var format = (open3, close) => {
  if (!hasColors) {
    return (input2) => input2;
  }
  const openCode = `\x1B[${open3}m`;
  const closeCode = `\x1B[${close}m`;
  return (input2) => {
    const string = input2 + "";
    let index = string.indexOf(closeCode);
    if (index === -1) {
      return openCode + string + closeCode;
    }
    let result = openCode;
    let lastIndex = 0;
    const reopenOnNestedClose = close === 22;
    const replaceCode = (reopenOnNestedClose ? closeCode : "") + openCode;
    while (index !== -1) {
      result += string.slice(lastIndex, index) + replaceCode;
      lastIndex = index + closeCode.length;
      index = string.indexOf(closeCode, lastIndex);
    }
    result += string.slice(lastIndex) + closeCode;
    return result;
  };
};
var reset = format(0, 0);
var bold = format(1, 22);
var dim = format(2, 22);
var italic = format(3, 23);
var underline = format(4, 24);
var underlineDouble = format("4:2", 24);
var underlineCurly = format("4:3", 24);
var underlineDotted = format("4:4", 24);
var underlineDashed = format("4:5", 24);
var overline = format(53, 55);
var inverse = format(7, 27);
var hidden = format(8, 28);
var strikethrough = format(9, 29);
var black = format(30, 39);
var red = format(31, 39);
var green = format(32, 39);
var yellow = format(33, 39);
var blue = format(34, 39);
var magenta = format(35, 39);
var cyan = format(36, 39);
var white = format(37, 39);
var gray = format(90, 39);
var bgBlack = format(40, 49);
var bgRed = format(41, 49);
var bgGreen = format(42, 49);
var bgYellow = format(43, 49);
var bgBlue = format(44, 49);
var bgMagenta = format(45, 49);
var bgCyan = format(46, 49);
var bgWhite = format(47, 49);
var bgGray = format(100, 49);
var redBright = format(91, 39);
var greenBright = format(92, 39);
var yellowBright = format(93, 39);
var blueBright = format(94, 39);
var magentaBright = format(95, 39);
var cyanBright = format(96, 39);
var whiteBright = format(97, 39);
var bgRedBright = format(101, 49);
var bgGreenBright = format(102, 49);
var bgYellowBright = format(103, 49);
var bgBlueBright = format(104, 49);
var bgMagentaBright = format(105, 49);
var bgCyanBright = format(106, 49);
var bgWhiteBright = format(107, 49);
var underlineBlack = format("58;5;0", 59);
var underlineRed = format("58;5;1", 59);
var underlineGreen = format("58;5;2", 59);
var underlineYellow = format("58;5;3", 59);
var underlineBlue = format("58;5;4", 59);
var underlineMagenta = format("58;5;5", 59);
var underlineCyan = format("58;5;6", 59);
var underlineWhite = format("58;5;7", 59);
var underlineGray = format("58;5;8", 59);
var underlineRedBright = format("58;5;9", 59);
var underlineGreenBright = format("58;5;10", 59);
var underlineYellowBright = format("58;5;11", 59);
var underlineBlueBright = format("58;5;12", 59);
var underlineMagentaBright = format("58;5;13", 59);
var underlineCyanBright = format("58;5;14", 59);
var underlineWhiteBright = format("58;5;15", 59);

// node_modules/execa/lib/verbose/default.js
var defaultVerboseFunction = ({
  type,
  message,
  timestamp,
  piped,
  commandId,
  result: { failed = false } = {},
  options: { reject = true }
}) => {
  const timestampString = serializeTimestamp(timestamp);
  const icon = ICONS[type]({ failed, reject, piped });
  const color = COLORS[type]({ reject });
  return `${gray(`[${timestampString}]`)} ${gray(`[${commandId}]`)} ${color(icon)} ${color(message)}`;
};
var serializeTimestamp = (timestamp) => `${padField(timestamp.getHours(), 2)}:${padField(timestamp.getMinutes(), 2)}:${padField(timestamp.getSeconds(), 2)}.${padField(timestamp.getMilliseconds(), 3)}`;
var padField = (field, padding) => String(field).padStart(padding, "0");
var getFinalIcon = ({ failed, reject }) => {
  if (!failed) {
    return figures_default.tick;
  }
  return reject ? figures_default.cross : figures_default.warning;
};
var ICONS = {
  command: ({ piped }) => piped ? "|" : "$",
  output: () => " ",
  ipc: () => "*",
  error: getFinalIcon,
  duration: getFinalIcon
};
var identity = (string) => string;
var COLORS = {
  command: () => bold,
  output: () => identity,
  ipc: () => identity,
  error: ({ reject }) => reject ? redBright : yellowBright,
  duration: () => gray
};

// node_modules/execa/lib/verbose/custom.js
var applyVerboseOnLines = (printedLines, verboseInfo, fdNumber) => {
  const verboseFunction = getVerboseFunction(verboseInfo, fdNumber);
  return printedLines.map(({ verboseLine, verboseObject }) => applyVerboseFunction(verboseLine, verboseObject, verboseFunction)).filter((printedLine) => printedLine !== void 0).map((printedLine) => appendNewline(printedLine)).join("");
};
var applyVerboseFunction = (verboseLine, verboseObject, verboseFunction) => {
  if (verboseFunction === void 0) {
    return verboseLine;
  }
  const printedLine = verboseFunction(verboseLine, verboseObject);
  if (typeof printedLine === "string") {
    return printedLine;
  }
};
var appendNewline = (printedLine) => printedLine.endsWith("\n") ? printedLine : `${printedLine}
`;

// node_modules/execa/lib/verbose/log.js
var verboseLog = ({ type, verboseMessage, fdNumber, verboseInfo, result }) => {
  const verboseObject = getVerboseObject({ type, result, verboseInfo });
  const printedLines = getPrintedLines(verboseMessage, verboseObject);
  const finalLines = applyVerboseOnLines(printedLines, verboseInfo, fdNumber);
  if (finalLines !== "") {
    console.warn(finalLines.slice(0, -1));
  }
};
var getVerboseObject = ({
  type,
  result,
  verboseInfo: { escapedCommand, commandId, rawOptions: { piped = false, ...options } }
}) => ({
  type,
  escapedCommand,
  commandId: `${commandId}`,
  timestamp: /* @__PURE__ */ new Date(),
  piped,
  result,
  options
});
var getPrintedLines = (verboseMessage, verboseObject) => verboseMessage.split("\n").map((message) => getPrintedLine({ ...verboseObject, message }));
var getPrintedLine = (verboseObject) => {
  const verboseLine = defaultVerboseFunction(verboseObject);
  return { verboseLine, verboseObject };
};
var serializeVerboseMessage = (message) => {
  const messageString = typeof message === "string" ? message : inspect(message);
  const escapedMessage = escapeLines(messageString);
  return escapedMessage.replaceAll("	", " ".repeat(TAB_SIZE));
};
var TAB_SIZE = 2;

// node_modules/execa/lib/verbose/start.js
var logCommand = (escapedCommand, verboseInfo) => {
  if (!isVerbose(verboseInfo)) {
    return;
  }
  verboseLog({
    type: "command",
    verboseMessage: escapedCommand,
    verboseInfo
  });
};

// node_modules/execa/lib/verbose/info.js
var getVerboseInfo = (verbose, escapedCommand, rawOptions) => {
  validateVerbose(verbose);
  const commandId = getCommandId(verbose);
  return {
    verbose,
    escapedCommand,
    commandId,
    rawOptions
  };
};
var getCommandId = (verbose) => isVerbose({ verbose }) ? COMMAND_ID++ : void 0;
var COMMAND_ID = 0n;
var validateVerbose = (verbose) => {
  for (const fdVerbose of verbose) {
    if (fdVerbose === false) {
      throw new TypeError(`The "verbose: false" option was renamed to "verbose: 'none'".`);
    }
    if (fdVerbose === true) {
      throw new TypeError(`The "verbose: true" option was renamed to "verbose: 'short'".`);
    }
    if (!VERBOSE_VALUES.includes(fdVerbose) && !isVerboseFunction(fdVerbose)) {
      const allowedValues = VERBOSE_VALUES.map((allowedValue) => `'${allowedValue}'`).join(", ");
      throw new TypeError(`The "verbose" option must not be ${fdVerbose}. Allowed values are: ${allowedValues} or a function.`);
    }
  }
};

// node_modules/execa/lib/return/duration.js
import { hrtime } from "node:process";
var getStartTime = () => hrtime.bigint();
var getDurationMs = (startTime) => Number(hrtime.bigint() - startTime) / 1e6;

// node_modules/execa/lib/arguments/command.js
var handleCommand = (filePath, rawArguments, rawOptions) => {
  const startTime = getStartTime();
  const { command, escapedCommand } = joinCommand(filePath, rawArguments);
  const verbose = normalizeFdSpecificOption(rawOptions, "verbose");
  const verboseInfo = getVerboseInfo(verbose, escapedCommand, { ...rawOptions });
  logCommand(escapedCommand, verboseInfo);
  return {
    command,
    escapedCommand,
    startTime,
    verboseInfo
  };
};

// node_modules/execa/lib/arguments/options.js
var import_cross_spawn = __toESM(require_cross_spawn(), 1);
import path5 from "node:path";
import process6 from "node:process";

// node_modules/npm-run-path/index.js
import process4 from "node:process";
import path2 from "node:path";

// node_modules/npm-run-path/node_modules/path-key/index.js
function pathKey(options = {}) {
  const {
    env = process.env,
    platform: platform2 = process.platform
  } = options;
  if (platform2 !== "win32") {
    return "PATH";
  }
  return Object.keys(env).reverse().find((key) => key.toUpperCase() === "PATH") || "Path";
}

// node_modules/unicorn-magic/node.js
import { promisify } from "node:util";
import { execFile as execFileCallback, execFileSync as execFileSyncOriginal } from "node:child_process";
import path from "node:path";
import { fileURLToPath as fileURLToPath2 } from "node:url";
var execFileOriginal = promisify(execFileCallback);
function toPath(urlOrPath) {
  return urlOrPath instanceof URL ? fileURLToPath2(urlOrPath) : urlOrPath;
}
function traversePathUp(startPath) {
  return {
    *[Symbol.iterator]() {
      let currentPath = path.resolve(toPath(startPath));
      let previousPath;
      while (previousPath !== currentPath) {
        yield currentPath;
        previousPath = currentPath;
        currentPath = path.resolve(currentPath, "..");
      }
    }
  };
}
var TEN_MEGABYTES_IN_BYTES = 10 * 1024 * 1024;

// node_modules/npm-run-path/index.js
var npmRunPath = ({
  cwd = process4.cwd(),
  path: pathOption = process4.env[pathKey()],
  preferLocal = true,
  execPath: execPath2 = process4.execPath,
  addExecPath = true
} = {}) => {
  const cwdPath = path2.resolve(toPath(cwd));
  const result = [];
  const pathParts = pathOption.split(path2.delimiter);
  if (preferLocal) {
    applyPreferLocal(result, pathParts, cwdPath);
  }
  if (addExecPath) {
    applyExecPath(result, pathParts, execPath2, cwdPath);
  }
  return pathOption === "" || pathOption === path2.delimiter ? `${result.join(path2.delimiter)}${pathOption}` : [...result, pathOption].join(path2.delimiter);
};
var applyPreferLocal = (result, pathParts, cwdPath) => {
  for (const directory of traversePathUp(cwdPath)) {
    const pathPart = path2.join(directory, "node_modules/.bin");
    if (!pathParts.includes(pathPart)) {
      result.push(pathPart);
    }
  }
};
var applyExecPath = (result, pathParts, execPath2, cwdPath) => {
  const pathPart = path2.resolve(cwdPath, toPath(execPath2), "..");
  if (!pathParts.includes(pathPart)) {
    result.push(pathPart);
  }
};
var npmRunPathEnv = ({ env = process4.env, ...options } = {}) => {
  env = { ...env };
  const pathName = pathKey({ env });
  options.path = env[pathName];
  env[pathName] = npmRunPath(options);
  return env;
};

// node_modules/execa/lib/terminate/kill.js
import { setTimeout as setTimeout2 } from "node:timers/promises";

// node_modules/execa/lib/return/final-error.js
var getFinalError = (originalError, message, isSync) => {
  const ErrorClass = isSync ? ExecaSyncError : ExecaError;
  const options = originalError instanceof DiscardedError ? {} : { cause: originalError };
  return new ErrorClass(message, options);
};
var DiscardedError = class extends Error {
};
var setErrorName = (ErrorClass, value) => {
  Object.defineProperty(ErrorClass.prototype, "name", {
    value,
    writable: true,
    enumerable: false,
    configurable: true
  });
  Object.defineProperty(ErrorClass.prototype, execaErrorSymbol, {
    value: true,
    writable: false,
    enumerable: false,
    configurable: false
  });
};
var isExecaError = (error) => isErrorInstance(error) && execaErrorSymbol in error;
var execaErrorSymbol = /* @__PURE__ */ Symbol("isExecaError");
var isErrorInstance = (value) => Object.prototype.toString.call(value) === "[object Error]";
var ExecaError = class extends Error {
};
setErrorName(ExecaError, ExecaError.name);
var ExecaSyncError = class extends Error {
};
setErrorName(ExecaSyncError, ExecaSyncError.name);

// node_modules/execa/lib/terminate/signal.js
import { constants as constants3 } from "node:os";

// node_modules/human-signals/build/src/main.js
import { constants as constants2 } from "node:os";

// node_modules/human-signals/build/src/realtime.js
var getRealtimeSignals = () => {
  const length = SIGRTMAX - SIGRTMIN + 1;
  return Array.from({ length }, getRealtimeSignal);
};
var getRealtimeSignal = (value, index) => ({
  name: `SIGRT${index + 1}`,
  number: SIGRTMIN + index,
  action: "terminate",
  description: "Application-specific signal (realtime)",
  standard: "posix"
});
var SIGRTMIN = 34;
var SIGRTMAX = 64;

// node_modules/human-signals/build/src/signals.js
import { constants } from "node:os";

// node_modules/human-signals/build/src/core.js
var SIGNALS = [
  {
    name: "SIGHUP",
    number: 1,
    action: "terminate",
    description: "Terminal closed",
    standard: "posix"
  },
  {
    name: "SIGINT",
    number: 2,
    action: "terminate",
    description: "User interruption with CTRL-C",
    standard: "ansi"
  },
  {
    name: "SIGQUIT",
    number: 3,
    action: "core",
    description: "User interruption with CTRL-\\",
    standard: "posix"
  },
  {
    name: "SIGILL",
    number: 4,
    action: "core",
    description: "Invalid machine instruction",
    standard: "ansi"
  },
  {
    name: "SIGTRAP",
    number: 5,
    action: "core",
    description: "Debugger breakpoint",
    standard: "posix"
  },
  {
    name: "SIGABRT",
    number: 6,
    action: "core",
    description: "Aborted",
    standard: "ansi"
  },
  {
    name: "SIGIOT",
    number: 6,
    action: "core",
    description: "Aborted",
    standard: "bsd"
  },
  {
    name: "SIGBUS",
    number: 7,
    action: "core",
    description: "Bus error due to misaligned, non-existing address or paging error",
    standard: "bsd"
  },
  {
    name: "SIGEMT",
    number: 7,
    action: "terminate",
    description: "Command should be emulated but is not implemented",
    standard: "other"
  },
  {
    name: "SIGFPE",
    number: 8,
    action: "core",
    description: "Floating point arithmetic error",
    standard: "ansi"
  },
  {
    name: "SIGKILL",
    number: 9,
    action: "terminate",
    description: "Forced termination",
    standard: "posix",
    forced: true
  },
  {
    name: "SIGUSR1",
    number: 10,
    action: "terminate",
    description: "Application-specific signal",
    standard: "posix"
  },
  {
    name: "SIGSEGV",
    number: 11,
    action: "core",
    description: "Segmentation fault",
    standard: "ansi"
  },
  {
    name: "SIGUSR2",
    number: 12,
    action: "terminate",
    description: "Application-specific signal",
    standard: "posix"
  },
  {
    name: "SIGPIPE",
    number: 13,
    action: "terminate",
    description: "Broken pipe or socket",
    standard: "posix"
  },
  {
    name: "SIGALRM",
    number: 14,
    action: "terminate",
    description: "Timeout or timer",
    standard: "posix"
  },
  {
    name: "SIGTERM",
    number: 15,
    action: "terminate",
    description: "Termination",
    standard: "ansi"
  },
  {
    name: "SIGSTKFLT",
    number: 16,
    action: "terminate",
    description: "Stack is empty or overflowed",
    standard: "other"
  },
  {
    name: "SIGCHLD",
    number: 17,
    action: "ignore",
    description: "Child process terminated, paused or unpaused",
    standard: "posix"
  },
  {
    name: "SIGCLD",
    number: 17,
    action: "ignore",
    description: "Child process terminated, paused or unpaused",
    standard: "other"
  },
  {
    name: "SIGCONT",
    number: 18,
    action: "unpause",
    description: "Unpaused",
    standard: "posix",
    forced: true
  },
  {
    name: "SIGSTOP",
    number: 19,
    action: "pause",
    description: "Paused",
    standard: "posix",
    forced: true
  },
  {
    name: "SIGTSTP",
    number: 20,
    action: "pause",
    description: 'Paused using CTRL-Z or "suspend"',
    standard: "posix"
  },
  {
    name: "SIGTTIN",
    number: 21,
    action: "pause",
    description: "Background process cannot read terminal input",
    standard: "posix"
  },
  {
    name: "SIGBREAK",
    number: 21,
    action: "terminate",
    description: "User interruption with CTRL-BREAK",
    standard: "other"
  },
  {
    name: "SIGTTOU",
    number: 22,
    action: "pause",
    description: "Background process cannot write to terminal output",
    standard: "posix"
  },
  {
    name: "SIGURG",
    number: 23,
    action: "ignore",
    description: "Socket received out-of-band data",
    standard: "bsd"
  },
  {
    name: "SIGXCPU",
    number: 24,
    action: "core",
    description: "Process timed out",
    standard: "bsd"
  },
  {
    name: "SIGXFSZ",
    number: 25,
    action: "core",
    description: "File too big",
    standard: "bsd"
  },
  {
    name: "SIGVTALRM",
    number: 26,
    action: "terminate",
    description: "Timeout or timer",
    standard: "bsd"
  },
  {
    name: "SIGPROF",
    number: 27,
    action: "terminate",
    description: "Timeout or timer",
    standard: "bsd"
  },
  {
    name: "SIGWINCH",
    number: 28,
    action: "ignore",
    description: "Terminal window size changed",
    standard: "bsd"
  },
  {
    name: "SIGIO",
    number: 29,
    action: "terminate",
    description: "I/O is available",
    standard: "other"
  },
  {
    name: "SIGPOLL",
    number: 29,
    action: "terminate",
    description: "Watched event",
    standard: "other"
  },
  {
    name: "SIGINFO",
    number: 29,
    action: "ignore",
    description: "Request for process information",
    standard: "other"
  },
  {
    name: "SIGPWR",
    number: 30,
    action: "terminate",
    description: "Device running out of power",
    standard: "systemv"
  },
  {
    name: "SIGSYS",
    number: 31,
    action: "core",
    description: "Invalid system call",
    standard: "other"
  },
  {
    name: "SIGUNUSED",
    number: 31,
    action: "terminate",
    description: "Invalid system call",
    standard: "other"
  }
];

// node_modules/human-signals/build/src/signals.js
var getSignals = () => {
  const realtimeSignals = getRealtimeSignals();
  const signals2 = [...SIGNALS, ...realtimeSignals].map(normalizeSignal);
  return signals2;
};
var normalizeSignal = ({
  name,
  number: defaultNumber,
  description,
  action,
  forced = false,
  standard
}) => {
  const {
    signals: { [name]: constantSignal }
  } = constants;
  const supported = constantSignal !== void 0;
  const number = supported ? constantSignal : defaultNumber;
  return { name, number, description, supported, action, forced, standard };
};

// node_modules/human-signals/build/src/main.js
var getSignalsByName = () => {
  const signals2 = getSignals();
  return Object.fromEntries(signals2.map(getSignalByName));
};
var getSignalByName = ({
  name,
  number,
  description,
  supported,
  action,
  forced,
  standard
}) => [name, { name, number, description, supported, action, forced, standard }];
var signalsByName = getSignalsByName();
var getSignalsByNumber = () => {
  const signals2 = getSignals();
  const length = SIGRTMAX + 1;
  const signalsA = Array.from(
    { length },
    (value, number) => getSignalByNumber(number, signals2)
  );
  return Object.assign({}, ...signalsA);
};
var getSignalByNumber = (number, signals2) => {
  const signal = findSignalByNumber(number, signals2);
  if (signal === void 0) {
    return {};
  }
  const { name, description, supported, action, forced, standard } = signal;
  return {
    [number]: {
      name,
      number,
      description,
      supported,
      action,
      forced,
      standard
    }
  };
};
var findSignalByNumber = (number, signals2) => {
  const signal = signals2.find(({ name }) => constants2.signals[name] === number);
  if (signal !== void 0) {
    return signal;
  }
  return signals2.find((signalA) => signalA.number === number);
};
var signalsByNumber = getSignalsByNumber();

// node_modules/execa/lib/terminate/signal.js
var normalizeKillSignal = (killSignal) => {
  const optionName = "option `killSignal`";
  if (killSignal === 0) {
    throw new TypeError(`Invalid ${optionName}: 0 cannot be used.`);
  }
  return normalizeSignal2(killSignal, optionName);
};
var normalizeSignalArgument = (signal) => signal === 0 ? signal : normalizeSignal2(signal, "`subprocess.kill()`'s argument");
var normalizeSignal2 = (signalNameOrInteger, optionName) => {
  if (Number.isInteger(signalNameOrInteger)) {
    return normalizeSignalInteger(signalNameOrInteger, optionName);
  }
  if (typeof signalNameOrInteger === "string") {
    return normalizeSignalName(signalNameOrInteger, optionName);
  }
  throw new TypeError(`Invalid ${optionName} ${String(signalNameOrInteger)}: it must be a string or an integer.
${getAvailableSignals()}`);
};
var normalizeSignalInteger = (signalInteger, optionName) => {
  if (signalsIntegerToName.has(signalInteger)) {
    return signalsIntegerToName.get(signalInteger);
  }
  throw new TypeError(`Invalid ${optionName} ${signalInteger}: this signal integer does not exist.
${getAvailableSignals()}`);
};
var getSignalsIntegerToName = () => new Map(Object.entries(constants3.signals).reverse().map(([signalName, signalInteger]) => [signalInteger, signalName]));
var signalsIntegerToName = getSignalsIntegerToName();
var normalizeSignalName = (signalName, optionName) => {
  if (signalName in constants3.signals) {
    return signalName;
  }
  if (signalName.toUpperCase() in constants3.signals) {
    throw new TypeError(`Invalid ${optionName} '${signalName}': please rename it to '${signalName.toUpperCase()}'.`);
  }
  throw new TypeError(`Invalid ${optionName} '${signalName}': this signal name does not exist.
${getAvailableSignals()}`);
};
var getAvailableSignals = () => `Available signal names: ${getAvailableSignalNames()}.
Available signal numbers: ${getAvailableSignalIntegers()}.`;
var getAvailableSignalNames = () => Object.keys(constants3.signals).sort().map((signalName) => `'${signalName}'`).join(", ");
var getAvailableSignalIntegers = () => [...new Set(Object.values(constants3.signals).sort((signalInteger, signalIntegerTwo) => signalInteger - signalIntegerTwo))].join(", ");
var getSignalDescription = (signal) => signalsByName[signal].description;

// node_modules/execa/lib/terminate/kill.js
var normalizeForceKillAfterDelay = (forceKillAfterDelay) => {
  if (forceKillAfterDelay === false) {
    return forceKillAfterDelay;
  }
  if (forceKillAfterDelay === true) {
    return DEFAULT_FORCE_KILL_TIMEOUT;
  }
  if (!Number.isFinite(forceKillAfterDelay) || forceKillAfterDelay < 0) {
    throw new TypeError(`Expected the \`forceKillAfterDelay\` option to be a non-negative integer, got \`${forceKillAfterDelay}\` (${typeof forceKillAfterDelay})`);
  }
  return forceKillAfterDelay;
};
var DEFAULT_FORCE_KILL_TIMEOUT = 1e3 * 5;
var subprocessKill = ({ kill, options: { forceKillAfterDelay, killSignal }, onInternalError, context, controller }, signalOrError, errorArgument) => {
  const { signal, error } = parseKillArguments(signalOrError, errorArgument, killSignal);
  emitKillError(error, onInternalError);
  const killResult = kill(signal);
  setKillTimeout({
    kill,
    signal,
    forceKillAfterDelay,
    killSignal,
    killResult,
    context,
    controller
  });
  return killResult;
};
var parseKillArguments = (signalOrError, errorArgument, killSignal) => {
  const [signal = killSignal, error] = isErrorInstance(signalOrError) ? [void 0, signalOrError] : [signalOrError, errorArgument];
  if (typeof signal !== "string" && !Number.isInteger(signal)) {
    throw new TypeError(`The first argument must be an error instance or a signal name string/integer: ${String(signal)}`);
  }
  if (error !== void 0 && !isErrorInstance(error)) {
    throw new TypeError(`The second argument is optional. If specified, it must be an error instance: ${error}`);
  }
  return { signal: normalizeSignalArgument(signal), error };
};
var emitKillError = (error, onInternalError) => {
  if (error !== void 0) {
    onInternalError.reject(error);
  }
};
var setKillTimeout = async ({ kill, signal, forceKillAfterDelay, killSignal, killResult, context, controller }) => {
  if (signal === killSignal && killResult) {
    killOnTimeout({
      kill,
      forceKillAfterDelay,
      context,
      controllerSignal: controller.signal
    });
  }
};
var killOnTimeout = async ({ kill, forceKillAfterDelay, context, controllerSignal }) => {
  if (forceKillAfterDelay === false) {
    return;
  }
  try {
    await setTimeout2(forceKillAfterDelay, void 0, { signal: controllerSignal });
    if (kill("SIGKILL")) {
      context.isForcefullyTerminated ??= true;
    }
  } catch {
  }
};

// node_modules/execa/lib/utils/abort-signal.js
import { once } from "node:events";
var onAbortedSignal = async (mainSignal, stopSignal) => {
  if (!mainSignal.aborted) {
    await once(mainSignal, "abort", { signal: stopSignal });
  }
};

// node_modules/execa/lib/terminate/cancel.js
var validateCancelSignal = ({ cancelSignal }) => {
  if (cancelSignal !== void 0 && Object.prototype.toString.call(cancelSignal) !== "[object AbortSignal]") {
    throw new Error(`The \`cancelSignal\` option must be an AbortSignal: ${String(cancelSignal)}`);
  }
};
var throwOnCancel = ({ subprocess, cancelSignal, gracefulCancel, context, controller }) => cancelSignal === void 0 || gracefulCancel ? [] : [terminateOnCancel(subprocess, cancelSignal, context, controller)];
var terminateOnCancel = async (subprocess, cancelSignal, context, { signal }) => {
  await onAbortedSignal(cancelSignal, signal);
  context.terminationReason ??= "cancel";
  subprocess.kill();
  throw cancelSignal.reason;
};

// node_modules/execa/lib/ipc/graceful.js
import { scheduler as scheduler2 } from "node:timers/promises";

// node_modules/execa/lib/ipc/send.js
import { promisify as promisify2 } from "node:util";

// node_modules/execa/lib/ipc/validation.js
var validateIpcMethod = ({ methodName, isSubprocess, ipc, isConnected: isConnected2 }) => {
  validateIpcOption(methodName, isSubprocess, ipc);
  validateConnection(methodName, isSubprocess, isConnected2);
};
var validateIpcOption = (methodName, isSubprocess, ipc) => {
  if (!ipc) {
    throw new Error(`${getMethodName(methodName, isSubprocess)} can only be used if the \`ipc\` option is \`true\`.`);
  }
};
var validateConnection = (methodName, isSubprocess, isConnected2) => {
  if (!isConnected2) {
    throw new Error(`${getMethodName(methodName, isSubprocess)} cannot be used: the ${getOtherProcessName(isSubprocess)} has already exited or disconnected.`);
  }
};
var throwOnEarlyDisconnect = (isSubprocess) => {
  throw new Error(`${getMethodName("getOneMessage", isSubprocess)} could not complete: the ${getOtherProcessName(isSubprocess)} exited or disconnected.`);
};
var throwOnStrictDeadlockError = (isSubprocess) => {
  throw new Error(`${getMethodName("sendMessage", isSubprocess)} failed: the ${getOtherProcessName(isSubprocess)} is sending a message too, instead of listening to incoming messages.
This can be fixed by both sending a message and listening to incoming messages at the same time:

const [receivedMessage] = await Promise.all([
	${getMethodName("getOneMessage", isSubprocess)},
	${getMethodName("sendMessage", isSubprocess, "message, {strict: true}")},
]);`);
};
var getStrictResponseError = (error, isSubprocess) => new Error(`${getMethodName("sendMessage", isSubprocess)} failed when sending an acknowledgment response to the ${getOtherProcessName(isSubprocess)}.`, { cause: error });
var throwOnMissingStrict = (isSubprocess) => {
  throw new Error(`${getMethodName("sendMessage", isSubprocess)} failed: the ${getOtherProcessName(isSubprocess)} is not listening to incoming messages.`);
};
var throwOnStrictDisconnect = (isSubprocess) => {
  throw new Error(`${getMethodName("sendMessage", isSubprocess)} failed: the ${getOtherProcessName(isSubprocess)} exited without listening to incoming messages.`);
};
var getAbortDisconnectError = () => new Error(`\`cancelSignal\` aborted: the ${getOtherProcessName(true)} disconnected.`);
var throwOnMissingParent = () => {
  throw new Error("`getCancelSignal()` cannot be used without setting the `cancelSignal` subprocess option.");
};
var handleEpipeError = ({ error, methodName, isSubprocess }) => {
  if (error.code === "EPIPE") {
    throw new Error(`${getMethodName(methodName, isSubprocess)} cannot be used: the ${getOtherProcessName(isSubprocess)} is disconnecting.`, { cause: error });
  }
};
var handleSerializationError = ({ error, methodName, isSubprocess, message }) => {
  if (isSerializationError(error)) {
    throw new Error(`${getMethodName(methodName, isSubprocess)}'s argument type is invalid: the message cannot be serialized: ${String(message)}.`, { cause: error });
  }
};
var isSerializationError = ({ code, message }) => SERIALIZATION_ERROR_CODES.has(code) || SERIALIZATION_ERROR_MESSAGES.some((serializationErrorMessage) => message.includes(serializationErrorMessage));
var SERIALIZATION_ERROR_CODES = /* @__PURE__ */ new Set([
  // Message is `undefined`
  "ERR_MISSING_ARGS",
  // Message is a function, a bigint, a symbol
  "ERR_INVALID_ARG_TYPE"
]);
var SERIALIZATION_ERROR_MESSAGES = [
  // Message is a promise or a proxy, with `serialization: 'advanced'`
  "could not be cloned",
  // Message has cycles, with `serialization: 'json'`
  "circular structure",
  // Message has cycles inside toJSON(), with `serialization: 'json'`
  "call stack size exceeded"
];
var getMethodName = (methodName, isSubprocess, parameters = "") => methodName === "cancelSignal" ? "`cancelSignal`'s `controller.abort()`" : `${getNamespaceName(isSubprocess)}${methodName}(${parameters})`;
var getNamespaceName = (isSubprocess) => isSubprocess ? "" : "subprocess.";
var getOtherProcessName = (isSubprocess) => isSubprocess ? "parent process" : "subprocess";
var disconnect = (anyProcess) => {
  if (anyProcess.connected) {
    anyProcess.disconnect();
  }
};

// node_modules/execa/lib/utils/deferred.js
var createDeferred = () => {
  const methods = {};
  const promise = new Promise((resolve2, reject) => {
    Object.assign(methods, { resolve: resolve2, reject });
  });
  return Object.assign(promise, methods);
};

// node_modules/execa/lib/arguments/fd-options.js
var getToStream = (destination, to = "stdin") => {
  const isWritable = true;
  const { options, fileDescriptors } = SUBPROCESS_OPTIONS.get(destination);
  const fdNumber = getFdNumber(fileDescriptors, to, isWritable);
  const destinationStream = destination.stdio[fdNumber];
  if (destinationStream === null) {
    throw new TypeError(getInvalidStdioOptionMessage(fdNumber, to, options, isWritable));
  }
  return destinationStream;
};
var getFromStream = (source, from = "stdout") => {
  const isWritable = false;
  const { options, fileDescriptors } = SUBPROCESS_OPTIONS.get(source);
  const fdNumber = getFdNumber(fileDescriptors, from, isWritable);
  const sourceStream = fdNumber === "all" ? source.all : source.stdio[fdNumber];
  if (sourceStream === null || sourceStream === void 0) {
    throw new TypeError(getInvalidStdioOptionMessage(fdNumber, from, options, isWritable));
  }
  return sourceStream;
};
var SUBPROCESS_OPTIONS = /* @__PURE__ */ new WeakMap();
var getFdNumber = (fileDescriptors, fdName, isWritable) => {
  const fdNumber = parseFdNumber(fdName, isWritable);
  validateFdNumber(fdNumber, fdName, isWritable, fileDescriptors);
  return fdNumber;
};
var parseFdNumber = (fdName, isWritable) => {
  const fdNumber = parseFd(fdName);
  if (fdNumber !== void 0) {
    return fdNumber;
  }
  const { validOptions, defaultValue } = isWritable ? { validOptions: '"stdin"', defaultValue: "stdin" } : { validOptions: '"stdout", "stderr", "all"', defaultValue: "stdout" };
  throw new TypeError(`"${getOptionName(isWritable)}" must not be "${fdName}".
It must be ${validOptions} or "fd3", "fd4" (and so on).
It is optional and defaults to "${defaultValue}".`);
};
var validateFdNumber = (fdNumber, fdName, isWritable, fileDescriptors) => {
  const fileDescriptor = fileDescriptors[getUsedDescriptor(fdNumber)];
  if (fileDescriptor === void 0) {
    throw new TypeError(`"${getOptionName(isWritable)}" must not be ${fdName}. That file descriptor does not exist.
Please set the "stdio" option to ensure that file descriptor exists.`);
  }
  if (fileDescriptor.direction === "input" && !isWritable) {
    throw new TypeError(`"${getOptionName(isWritable)}" must not be ${fdName}. It must be a readable stream, not writable.`);
  }
  if (fileDescriptor.direction !== "input" && isWritable) {
    throw new TypeError(`"${getOptionName(isWritable)}" must not be ${fdName}. It must be a writable stream, not readable.`);
  }
};
var getInvalidStdioOptionMessage = (fdNumber, fdName, options, isWritable) => {
  if (fdNumber === "all" && !options.all) {
    return `The "all" option must be true to use "from: 'all'".`;
  }
  const { optionName, optionValue } = getInvalidStdioOption(fdNumber, options);
  return `The "${optionName}: ${serializeOptionValue(optionValue)}" option is incompatible with using "${getOptionName(isWritable)}: ${serializeOptionValue(fdName)}".
Please set this option with "pipe" instead.`;
};
var getInvalidStdioOption = (fdNumber, { stdin, stdout, stderr, stdio }) => {
  const usedDescriptor = getUsedDescriptor(fdNumber);
  if (usedDescriptor === 0 && stdin !== void 0) {
    return { optionName: "stdin", optionValue: stdin };
  }
  if (usedDescriptor === 1 && stdout !== void 0) {
    return { optionName: "stdout", optionValue: stdout };
  }
  if (usedDescriptor === 2 && stderr !== void 0) {
    return { optionName: "stderr", optionValue: stderr };
  }
  return { optionName: `stdio[${usedDescriptor}]`, optionValue: stdio[usedDescriptor] };
};
var getUsedDescriptor = (fdNumber) => fdNumber === "all" ? 1 : fdNumber;
var getOptionName = (isWritable) => isWritable ? "to" : "from";
var serializeOptionValue = (value) => {
  if (typeof value === "string") {
    return `'${value}'`;
  }
  return typeof value === "number" ? `${value}` : "Stream";
};

// node_modules/execa/lib/ipc/strict.js
import { once as once3 } from "node:events";

// node_modules/execa/lib/utils/max-listeners.js
import { addAbortListener } from "node:events";
var incrementMaxListeners = (eventEmitter, maxListenersIncrement, signal) => {
  const maxListeners = eventEmitter.getMaxListeners();
  if (maxListeners === 0 || maxListeners === Number.POSITIVE_INFINITY) {
    return;
  }
  eventEmitter.setMaxListeners(maxListeners + maxListenersIncrement);
  addAbortListener(signal, () => {
    eventEmitter.setMaxListeners(eventEmitter.getMaxListeners() - maxListenersIncrement);
  });
};

// node_modules/execa/lib/ipc/forward.js
import { EventEmitter } from "node:events";

// node_modules/execa/lib/ipc/incoming.js
import { once as once2 } from "node:events";
import { scheduler } from "node:timers/promises";

// node_modules/execa/lib/ipc/reference.js
var addReference = (channel, reference) => {
  if (reference) {
    addReferenceCount(channel);
  }
};
var addReferenceCount = (channel) => {
  channel.refCounted();
};
var removeReference = (channel, reference) => {
  if (reference) {
    removeReferenceCount(channel);
  }
};
var removeReferenceCount = (channel) => {
  channel.unrefCounted();
};
var undoAddedReferences = (channel, isSubprocess) => {
  if (isSubprocess) {
    removeReferenceCount(channel);
    removeReferenceCount(channel);
  }
};
var redoAddedReferences = (channel, isSubprocess) => {
  if (isSubprocess) {
    addReferenceCount(channel);
    addReferenceCount(channel);
  }
};

// node_modules/execa/lib/ipc/incoming.js
var onMessage = async ({ anyProcess, channel, isSubprocess, ipcEmitter }, wrappedMessage) => {
  if (handleStrictResponse(wrappedMessage) || handleAbort(wrappedMessage)) {
    return;
  }
  if (!INCOMING_MESSAGES.has(anyProcess)) {
    INCOMING_MESSAGES.set(anyProcess, []);
  }
  const incomingMessages = INCOMING_MESSAGES.get(anyProcess);
  incomingMessages.push(wrappedMessage);
  if (incomingMessages.length > 1) {
    return;
  }
  while (incomingMessages.length > 0) {
    await waitForOutgoingMessages(anyProcess, ipcEmitter, wrappedMessage);
    await scheduler.yield();
    const message = await handleStrictRequest({
      wrappedMessage: incomingMessages[0],
      anyProcess,
      channel,
      isSubprocess,
      ipcEmitter
    });
    incomingMessages.shift();
    ipcEmitter.emit("message", message);
    ipcEmitter.emit("message:done");
  }
};
var onDisconnect = async ({ anyProcess, channel, isSubprocess, ipcEmitter, boundOnMessage }) => {
  abortOnDisconnect();
  const incomingMessages = INCOMING_MESSAGES.get(anyProcess);
  while (incomingMessages?.length > 0) {
    await once2(ipcEmitter, "message:done");
  }
  anyProcess.removeListener("message", boundOnMessage);
  redoAddedReferences(channel, isSubprocess);
  ipcEmitter.connected = false;
  ipcEmitter.emit("disconnect");
};
var INCOMING_MESSAGES = /* @__PURE__ */ new WeakMap();

// node_modules/execa/lib/ipc/forward.js
var getIpcEmitter = (anyProcess, channel, isSubprocess) => {
  if (IPC_EMITTERS.has(anyProcess)) {
    return IPC_EMITTERS.get(anyProcess);
  }
  const ipcEmitter = new EventEmitter();
  ipcEmitter.connected = true;
  IPC_EMITTERS.set(anyProcess, ipcEmitter);
  forwardEvents({
    ipcEmitter,
    anyProcess,
    channel,
    isSubprocess
  });
  return ipcEmitter;
};
var IPC_EMITTERS = /* @__PURE__ */ new WeakMap();
var forwardEvents = ({ ipcEmitter, anyProcess, channel, isSubprocess }) => {
  const boundOnMessage = onMessage.bind(void 0, {
    anyProcess,
    channel,
    isSubprocess,
    ipcEmitter
  });
  anyProcess.on("message", boundOnMessage);
  anyProcess.once("disconnect", onDisconnect.bind(void 0, {
    anyProcess,
    channel,
    isSubprocess,
    ipcEmitter,
    boundOnMessage
  }));
  undoAddedReferences(channel, isSubprocess);
};
var isConnected = (anyProcess) => {
  const ipcEmitter = IPC_EMITTERS.get(anyProcess);
  return ipcEmitter === void 0 ? anyProcess.channel !== null : ipcEmitter.connected;
};

// node_modules/execa/lib/ipc/strict.js
var handleSendStrict = ({ anyProcess, channel, isSubprocess, message, strict }) => {
  if (!strict) {
    return message;
  }
  const ipcEmitter = getIpcEmitter(anyProcess, channel, isSubprocess);
  const hasListeners = hasMessageListeners(anyProcess, ipcEmitter);
  return {
    id: count++,
    type: REQUEST_TYPE,
    message,
    hasListeners
  };
};
var count = 0n;
var validateStrictDeadlock = (outgoingMessages, wrappedMessage) => {
  if (wrappedMessage?.type !== REQUEST_TYPE || wrappedMessage.hasListeners) {
    return;
  }
  for (const { id } of outgoingMessages) {
    if (id !== void 0) {
      STRICT_RESPONSES[id].resolve({ isDeadlock: true, hasListeners: false });
    }
  }
};
var handleStrictRequest = async ({ wrappedMessage, anyProcess, channel, isSubprocess, ipcEmitter }) => {
  if (wrappedMessage?.type !== REQUEST_TYPE || !anyProcess.connected) {
    return wrappedMessage;
  }
  const { id, message } = wrappedMessage;
  const response = { id, type: RESPONSE_TYPE, message: hasMessageListeners(anyProcess, ipcEmitter) };
  try {
    await sendMessage({
      anyProcess,
      channel,
      isSubprocess,
      ipc: true
    }, response);
  } catch (error) {
    ipcEmitter.emit("strict:error", error);
  }
  return message;
};
var handleStrictResponse = (wrappedMessage) => {
  if (wrappedMessage?.type !== RESPONSE_TYPE) {
    return false;
  }
  const { id, message: hasListeners } = wrappedMessage;
  STRICT_RESPONSES[id]?.resolve({ isDeadlock: false, hasListeners });
  return true;
};
var waitForStrictResponse = async (wrappedMessage, anyProcess, isSubprocess) => {
  if (wrappedMessage?.type !== REQUEST_TYPE) {
    return;
  }
  const deferred = createDeferred();
  STRICT_RESPONSES[wrappedMessage.id] = deferred;
  const controller = new AbortController();
  try {
    const { isDeadlock, hasListeners } = await Promise.race([
      deferred,
      throwOnDisconnect(anyProcess, isSubprocess, controller)
    ]);
    if (isDeadlock) {
      throwOnStrictDeadlockError(isSubprocess);
    }
    if (!hasListeners) {
      throwOnMissingStrict(isSubprocess);
    }
  } finally {
    controller.abort();
    delete STRICT_RESPONSES[wrappedMessage.id];
  }
};
var STRICT_RESPONSES = {};
var throwOnDisconnect = async (anyProcess, isSubprocess, { signal }) => {
  incrementMaxListeners(anyProcess, 1, signal);
  await once3(anyProcess, "disconnect", { signal });
  throwOnStrictDisconnect(isSubprocess);
};
var REQUEST_TYPE = "execa:ipc:request";
var RESPONSE_TYPE = "execa:ipc:response";

// node_modules/execa/lib/ipc/outgoing.js
var startSendMessage = (anyProcess, wrappedMessage, strict) => {
  if (!OUTGOING_MESSAGES.has(anyProcess)) {
    OUTGOING_MESSAGES.set(anyProcess, /* @__PURE__ */ new Set());
  }
  const outgoingMessages = OUTGOING_MESSAGES.get(anyProcess);
  const onMessageSent = createDeferred();
  const id = strict ? wrappedMessage.id : void 0;
  const outgoingMessage = { onMessageSent, id };
  outgoingMessages.add(outgoingMessage);
  return { outgoingMessages, outgoingMessage };
};
var endSendMessage = ({ outgoingMessages, outgoingMessage }) => {
  outgoingMessages.delete(outgoingMessage);
  outgoingMessage.onMessageSent.resolve();
};
var waitForOutgoingMessages = async (anyProcess, ipcEmitter, wrappedMessage) => {
  while (!hasMessageListeners(anyProcess, ipcEmitter) && OUTGOING_MESSAGES.get(anyProcess)?.size > 0) {
    const outgoingMessages = [...OUTGOING_MESSAGES.get(anyProcess)];
    validateStrictDeadlock(outgoingMessages, wrappedMessage);
    await Promise.all(outgoingMessages.map(({ onMessageSent }) => onMessageSent));
  }
};
var OUTGOING_MESSAGES = /* @__PURE__ */ new WeakMap();
var hasMessageListeners = (anyProcess, ipcEmitter) => ipcEmitter.listenerCount("message") > getMinListenerCount(anyProcess);
var getMinListenerCount = (anyProcess) => SUBPROCESS_OPTIONS.has(anyProcess) && !getFdSpecificValue(SUBPROCESS_OPTIONS.get(anyProcess).options.buffer, "ipc") ? 1 : 0;

// node_modules/execa/lib/ipc/send.js
var sendMessage = ({ anyProcess, channel, isSubprocess, ipc }, message, { strict = false } = {}) => {
  const methodName = "sendMessage";
  validateIpcMethod({
    methodName,
    isSubprocess,
    ipc,
    isConnected: anyProcess.connected
  });
  return sendMessageAsync({
    anyProcess,
    channel,
    methodName,
    isSubprocess,
    message,
    strict
  });
};
var sendMessageAsync = async ({ anyProcess, channel, methodName, isSubprocess, message, strict }) => {
  const wrappedMessage = handleSendStrict({
    anyProcess,
    channel,
    isSubprocess,
    message,
    strict
  });
  const outgoingMessagesState = startSendMessage(anyProcess, wrappedMessage, strict);
  try {
    await sendOneMessage({
      anyProcess,
      methodName,
      isSubprocess,
      wrappedMessage,
      message
    });
  } catch (error) {
    disconnect(anyProcess);
    throw error;
  } finally {
    endSendMessage(outgoingMessagesState);
  }
};
var sendOneMessage = async ({ anyProcess, methodName, isSubprocess, wrappedMessage, message }) => {
  const sendMethod = getSendMethod(anyProcess);
  try {
    await Promise.all([
      waitForStrictResponse(wrappedMessage, anyProcess, isSubprocess),
      sendMethod(wrappedMessage)
    ]);
  } catch (error) {
    handleEpipeError({ error, methodName, isSubprocess });
    handleSerializationError({
      error,
      methodName,
      isSubprocess,
      message
    });
    throw error;
  }
};
var getSendMethod = (anyProcess) => {
  if (PROCESS_SEND_METHODS.has(anyProcess)) {
    return PROCESS_SEND_METHODS.get(anyProcess);
  }
  const sendMethod = promisify2(anyProcess.send.bind(anyProcess));
  PROCESS_SEND_METHODS.set(anyProcess, sendMethod);
  return sendMethod;
};
var PROCESS_SEND_METHODS = /* @__PURE__ */ new WeakMap();

// node_modules/execa/lib/ipc/graceful.js
var sendAbort = (subprocess, message) => {
  const methodName = "cancelSignal";
  validateConnection(methodName, false, subprocess.connected);
  return sendOneMessage({
    anyProcess: subprocess,
    methodName,
    isSubprocess: false,
    wrappedMessage: { type: GRACEFUL_CANCEL_TYPE, message },
    message
  });
};
var getCancelSignal = async ({ anyProcess, channel, isSubprocess, ipc }) => {
  await startIpc({
    anyProcess,
    channel,
    isSubprocess,
    ipc
  });
  return cancelController.signal;
};
var startIpc = async ({ anyProcess, channel, isSubprocess, ipc }) => {
  if (cancelListening) {
    return;
  }
  cancelListening = true;
  if (!ipc) {
    throwOnMissingParent();
    return;
  }
  if (channel === null) {
    abortOnDisconnect();
    return;
  }
  getIpcEmitter(anyProcess, channel, isSubprocess);
  await scheduler2.yield();
};
var cancelListening = false;
var handleAbort = (wrappedMessage) => {
  if (wrappedMessage?.type !== GRACEFUL_CANCEL_TYPE) {
    return false;
  }
  cancelController.abort(wrappedMessage.message);
  return true;
};
var GRACEFUL_CANCEL_TYPE = "execa:ipc:cancel";
var abortOnDisconnect = () => {
  cancelController.abort(getAbortDisconnectError());
};
var cancelController = new AbortController();

// node_modules/execa/lib/terminate/graceful.js
var validateGracefulCancel = ({ gracefulCancel, cancelSignal, ipc, serialization }) => {
  if (!gracefulCancel) {
    return;
  }
  if (cancelSignal === void 0) {
    throw new Error("The `cancelSignal` option must be defined when setting the `gracefulCancel` option.");
  }
  if (!ipc) {
    throw new Error("The `ipc` option cannot be false when setting the `gracefulCancel` option.");
  }
  if (serialization === "json") {
    throw new Error("The `serialization` option cannot be 'json' when setting the `gracefulCancel` option.");
  }
};
var throwOnGracefulCancel = ({
  subprocess,
  cancelSignal,
  gracefulCancel,
  forceKillAfterDelay,
  context,
  controller
}) => gracefulCancel ? [sendOnAbort({
  subprocess,
  cancelSignal,
  forceKillAfterDelay,
  context,
  controller
})] : [];
var sendOnAbort = async ({ subprocess, cancelSignal, forceKillAfterDelay, context, controller: { signal } }) => {
  await onAbortedSignal(cancelSignal, signal);
  const reason = getReason(cancelSignal);
  await sendAbort(subprocess, reason);
  killOnTimeout({
    kill: subprocess.kill,
    forceKillAfterDelay,
    context,
    controllerSignal: signal
  });
  context.terminationReason ??= "gracefulCancel";
  throw cancelSignal.reason;
};
var getReason = ({ reason }) => {
  if (!(reason instanceof DOMException)) {
    return reason;
  }
  const error = new Error(reason.message);
  Object.defineProperty(error, "stack", {
    value: reason.stack,
    enumerable: false,
    configurable: true,
    writable: true
  });
  return error;
};

// node_modules/execa/lib/terminate/timeout.js
import { setTimeout as setTimeout3 } from "node:timers/promises";
var validateTimeout = ({ timeout }) => {
  if (timeout !== void 0 && (!Number.isFinite(timeout) || timeout < 0)) {
    throw new TypeError(`Expected the \`timeout\` option to be a non-negative integer, got \`${timeout}\` (${typeof timeout})`);
  }
};
var throwOnTimeout = (subprocess, timeout, context, controller) => timeout === 0 || timeout === void 0 ? [] : [killAfterTimeout(subprocess, timeout, context, controller)];
var killAfterTimeout = async (subprocess, timeout, context, { signal }) => {
  await setTimeout3(timeout, void 0, { signal });
  context.terminationReason ??= "timeout";
  subprocess.kill();
  throw new DiscardedError();
};

// node_modules/execa/lib/methods/node.js
import { execPath, execArgv } from "node:process";
import path3 from "node:path";
var mapNode = ({ options }) => {
  if (options.node === false) {
    throw new TypeError('The "node" option cannot be false with `execaNode()`.');
  }
  return { options: { ...options, node: true } };
};
var handleNodeOption = (file, commandArguments, {
  node: shouldHandleNode = false,
  nodePath = execPath,
  nodeOptions = execArgv.filter((nodeOption) => !nodeOption.startsWith("--inspect")),
  cwd,
  execPath: formerNodePath,
  ...options
}) => {
  if (formerNodePath !== void 0) {
    throw new TypeError('The "execPath" option has been removed. Please use the "nodePath" option instead.');
  }
  const normalizedNodePath = safeNormalizeFileUrl(nodePath, 'The "nodePath" option');
  const resolvedNodePath = path3.resolve(cwd, normalizedNodePath);
  const newOptions = {
    ...options,
    nodePath: resolvedNodePath,
    node: shouldHandleNode,
    cwd
  };
  if (!shouldHandleNode) {
    return [file, commandArguments, newOptions];
  }
  if (path3.basename(file, ".exe") === "node") {
    throw new TypeError('When the "node" option is true, the first argument does not need to be "node".');
  }
  return [
    resolvedNodePath,
    [...nodeOptions, file, ...commandArguments],
    { ipc: true, ...newOptions, shell: false }
  ];
};

// node_modules/execa/lib/ipc/ipc-input.js
import { serialize } from "node:v8";
var validateIpcInputOption = ({ ipcInput, ipc, serialization }) => {
  if (ipcInput === void 0) {
    return;
  }
  if (!ipc) {
    throw new Error("The `ipcInput` option cannot be set unless the `ipc` option is `true`.");
  }
  validateIpcInput[serialization](ipcInput);
};
var validateAdvancedInput = (ipcInput) => {
  try {
    serialize(ipcInput);
  } catch (error) {
    throw new Error("The `ipcInput` option is not serializable with a structured clone.", { cause: error });
  }
};
var validateJsonInput = (ipcInput) => {
  try {
    JSON.stringify(ipcInput);
  } catch (error) {
    throw new Error("The `ipcInput` option is not serializable with JSON.", { cause: error });
  }
};
var validateIpcInput = {
  advanced: validateAdvancedInput,
  json: validateJsonInput
};
var sendIpcInput = async (subprocess, ipcInput) => {
  if (ipcInput === void 0) {
    return;
  }
  await subprocess.sendMessage(ipcInput);
};

// node_modules/execa/lib/arguments/encoding-option.js
var validateEncoding = ({ encoding }) => {
  if (ENCODINGS.has(encoding)) {
    return;
  }
  const correctEncoding = getCorrectEncoding(encoding);
  if (correctEncoding !== void 0) {
    throw new TypeError(`Invalid option \`encoding: ${serializeEncoding(encoding)}\`.
Please rename it to ${serializeEncoding(correctEncoding)}.`);
  }
  const correctEncodings = [...ENCODINGS].map((correctEncoding2) => serializeEncoding(correctEncoding2)).join(", ");
  throw new TypeError(`Invalid option \`encoding: ${serializeEncoding(encoding)}\`.
Please rename it to one of: ${correctEncodings}.`);
};
var TEXT_ENCODINGS = /* @__PURE__ */ new Set(["utf8", "utf16le"]);
var BINARY_ENCODINGS = /* @__PURE__ */ new Set(["buffer", "hex", "base64", "base64url", "latin1", "ascii"]);
var ENCODINGS = /* @__PURE__ */ new Set([...TEXT_ENCODINGS, ...BINARY_ENCODINGS]);
var getCorrectEncoding = (encoding) => {
  if (encoding === null) {
    return "buffer";
  }
  if (typeof encoding !== "string") {
    return;
  }
  const lowerEncoding = encoding.toLowerCase();
  if (lowerEncoding in ENCODING_ALIASES) {
    return ENCODING_ALIASES[lowerEncoding];
  }
  if (ENCODINGS.has(lowerEncoding)) {
    return lowerEncoding;
  }
};
var ENCODING_ALIASES = {
  // eslint-disable-next-line unicorn/text-encoding-identifier-case
  "utf-8": "utf8",
  "utf-16le": "utf16le",
  "ucs-2": "utf16le",
  ucs2: "utf16le",
  binary: "latin1"
};
var serializeEncoding = (encoding) => typeof encoding === "string" ? `"${encoding}"` : String(encoding);

// node_modules/execa/lib/arguments/cwd.js
import { statSync } from "node:fs";
import path4 from "node:path";
import process5 from "node:process";
var normalizeCwd = (cwd = getDefaultCwd()) => {
  const cwdString = safeNormalizeFileUrl(cwd, 'The "cwd" option');
  return path4.resolve(cwdString);
};
var getDefaultCwd = () => {
  try {
    return process5.cwd();
  } catch (error) {
    error.message = `The current directory does not exist.
${error.message}`;
    throw error;
  }
};
var fixCwdError = (originalMessage, cwd) => {
  if (cwd === getDefaultCwd()) {
    return originalMessage;
  }
  let cwdStat;
  try {
    cwdStat = statSync(cwd);
  } catch (error) {
    return `The "cwd" option is invalid: ${cwd}.
${error.message}
${originalMessage}`;
  }
  if (!cwdStat.isDirectory()) {
    return `The "cwd" option is not a directory: ${cwd}.
${originalMessage}`;
  }
  return originalMessage;
};

// node_modules/execa/lib/arguments/options.js
var normalizeOptions = (filePath, rawArguments, rawOptions) => {
  rawOptions.cwd = normalizeCwd(rawOptions.cwd);
  const [processedFile, processedArguments, processedOptions] = handleNodeOption(filePath, rawArguments, rawOptions);
  const { command: file, args: commandArguments, options: initialOptions } = import_cross_spawn.default._parse(processedFile, processedArguments, processedOptions);
  const fdOptions = normalizeFdSpecificOptions(initialOptions);
  const options = addDefaultOptions(fdOptions);
  validateTimeout(options);
  validateEncoding(options);
  validateIpcInputOption(options);
  validateCancelSignal(options);
  validateGracefulCancel(options);
  options.shell = normalizeFileUrl(options.shell);
  options.env = getEnv(options);
  options.killSignal = normalizeKillSignal(options.killSignal);
  options.forceKillAfterDelay = normalizeForceKillAfterDelay(options.forceKillAfterDelay);
  options.lines = options.lines.map((lines, fdNumber) => lines && !BINARY_ENCODINGS.has(options.encoding) && options.buffer[fdNumber]);
  if (process6.platform === "win32" && path5.basename(file, ".exe") === "cmd") {
    commandArguments.unshift("/q");
  }
  return { file, commandArguments, options };
};
var addDefaultOptions = ({
  extendEnv = true,
  preferLocal = false,
  cwd,
  localDir: localDirectory = cwd,
  encoding = "utf8",
  reject = true,
  cleanup = true,
  all = false,
  windowsHide = true,
  killSignal = "SIGTERM",
  forceKillAfterDelay = true,
  gracefulCancel = false,
  ipcInput,
  ipc = ipcInput !== void 0 || gracefulCancel,
  serialization = "advanced",
  ...options
}) => ({
  ...options,
  extendEnv,
  preferLocal,
  cwd,
  localDirectory,
  encoding,
  reject,
  cleanup,
  all,
  windowsHide,
  killSignal,
  forceKillAfterDelay,
  gracefulCancel,
  ipcInput,
  ipc,
  serialization
});
var getEnv = ({ env: envOption, extendEnv, preferLocal, node, localDirectory, nodePath }) => {
  const env = extendEnv ? { ...process6.env, ...envOption } : envOption;
  if (preferLocal || node) {
    return npmRunPathEnv({
      env,
      cwd: localDirectory,
      execPath: nodePath,
      preferLocal,
      addExecPath: node
    });
  }
  return env;
};

// node_modules/execa/lib/arguments/shell.js
var concatenateShell = (file, commandArguments, options) => options.shell && commandArguments.length > 0 ? [[file, ...commandArguments].join(" "), [], options] : [file, commandArguments, options];

// node_modules/execa/lib/return/message.js
import { inspect as inspect2 } from "node:util";

// node_modules/strip-final-newline/index.js
function stripFinalNewline(input2) {
  if (typeof input2 === "string") {
    return stripFinalNewlineString(input2);
  }
  if (!(ArrayBuffer.isView(input2) && input2.BYTES_PER_ELEMENT === 1)) {
    throw new Error("Input must be a string or a Uint8Array");
  }
  return stripFinalNewlineBinary(input2);
}
var stripFinalNewlineString = (input2) => input2.at(-1) === LF ? input2.slice(0, input2.at(-2) === CR ? -2 : -1) : input2;
var stripFinalNewlineBinary = (input2) => input2.at(-1) === LF_BINARY ? input2.subarray(0, input2.at(-2) === CR_BINARY ? -2 : -1) : input2;
var LF = "\n";
var LF_BINARY = LF.codePointAt(0);
var CR = "\r";
var CR_BINARY = CR.codePointAt(0);

// node_modules/get-stream/source/index.js
import { on } from "node:events";
import { finished } from "node:stream/promises";

// node_modules/is-stream/index.js
function isStream(stream, { checkOpen = true } = {}) {
  return stream !== null && typeof stream === "object" && (stream.writable || stream.readable || !checkOpen || stream.writable === void 0 && stream.readable === void 0) && typeof stream.pipe === "function";
}
function isWritableStream(stream, { checkOpen = true } = {}) {
  return isStream(stream, { checkOpen }) && (stream.writable || !checkOpen) && typeof stream.write === "function" && typeof stream.end === "function" && typeof stream.writable === "boolean" && typeof stream.writableObjectMode === "boolean" && typeof stream.destroy === "function" && typeof stream.destroyed === "boolean";
}
function isReadableStream(stream, { checkOpen = true } = {}) {
  return isStream(stream, { checkOpen }) && (stream.readable || !checkOpen) && typeof stream.read === "function" && typeof stream.readable === "boolean" && typeof stream.readableObjectMode === "boolean" && typeof stream.destroy === "function" && typeof stream.destroyed === "boolean";
}
function isDuplexStream(stream, options) {
  return isWritableStream(stream, options) && isReadableStream(stream, options);
}

// node_modules/@sec-ant/readable-stream/dist/ponyfill/asyncIterator.js
var a = Object.getPrototypeOf(
  Object.getPrototypeOf(
    /* istanbul ignore next */
    async function* () {
    }
  ).prototype
);
var c = class {
  #t;
  #n;
  #r = false;
  #e = void 0;
  constructor(e, t) {
    this.#t = e, this.#n = t;
  }
  next() {
    const e = () => this.#s();
    return this.#e = this.#e ? this.#e.then(e, e) : e(), this.#e;
  }
  return(e) {
    const t = () => this.#i(e);
    return this.#e ? this.#e.then(t, t) : t();
  }
  async #s() {
    if (this.#r)
      return {
        done: true,
        value: void 0
      };
    let e;
    try {
      e = await this.#t.read();
    } catch (t) {
      throw this.#e = void 0, this.#r = true, this.#t.releaseLock(), t;
    }
    return e.done && (this.#e = void 0, this.#r = true, this.#t.releaseLock()), e;
  }
  async #i(e) {
    if (this.#r)
      return {
        done: true,
        value: e
      };
    if (this.#r = true, !this.#n) {
      const t = this.#t.cancel(e);
      return this.#t.releaseLock(), await t, {
        done: true,
        value: e
      };
    }
    return this.#t.releaseLock(), {
      done: true,
      value: e
    };
  }
};
var n = /* @__PURE__ */ Symbol();
function i() {
  return this[n].next();
}
Object.defineProperty(i, "name", { value: "next" });
function o(r) {
  return this[n].return(r);
}
Object.defineProperty(o, "name", { value: "return" });
var u = Object.create(a, {
  next: {
    enumerable: true,
    configurable: true,
    writable: true,
    value: i
  },
  return: {
    enumerable: true,
    configurable: true,
    writable: true,
    value: o
  }
});
function h({ preventCancel: r = false } = {}) {
  const e = this.getReader(), t = new c(
    e,
    r
  ), s = Object.create(u);
  return s[n] = t, s;
}

// node_modules/get-stream/source/stream.js
var getAsyncIterable = (stream) => {
  if (isReadableStream(stream, { checkOpen: false }) && nodeImports.on !== void 0) {
    return getStreamIterable(stream);
  }
  if (typeof stream?.[Symbol.asyncIterator] === "function") {
    return stream;
  }
  if (toString.call(stream) === "[object ReadableStream]") {
    return h.call(stream);
  }
  throw new TypeError("The first argument must be a Readable, a ReadableStream, or an async iterable.");
};
var { toString } = Object.prototype;
var getStreamIterable = async function* (stream) {
  const controller = new AbortController();
  const state = {};
  handleStreamEnd(stream, controller, state);
  try {
    for await (const [chunk] of nodeImports.on(stream, "data", { signal: controller.signal })) {
      yield chunk;
    }
  } catch (error) {
    if (state.error !== void 0) {
      throw state.error;
    } else if (!controller.signal.aborted) {
      throw error;
    }
  } finally {
    stream.destroy();
  }
};
var handleStreamEnd = async (stream, controller, state) => {
  try {
    await nodeImports.finished(stream, {
      cleanup: true,
      readable: true,
      writable: false,
      error: false
    });
  } catch (error) {
    state.error = error;
  } finally {
    controller.abort();
  }
};
var nodeImports = {};

// node_modules/get-stream/source/contents.js
var getStreamContents = async (stream, { init, convertChunk, getSize, truncateChunk, addChunk, getFinalChunk, finalize }, { maxBuffer = Number.POSITIVE_INFINITY } = {}) => {
  const asyncIterable = getAsyncIterable(stream);
  const state = init();
  state.length = 0;
  try {
    for await (const chunk of asyncIterable) {
      const chunkType = getChunkType(chunk);
      const convertedChunk = convertChunk[chunkType](chunk, state);
      appendChunk({
        convertedChunk,
        state,
        getSize,
        truncateChunk,
        addChunk,
        maxBuffer
      });
    }
    appendFinalChunk({
      state,
      convertChunk,
      getSize,
      truncateChunk,
      addChunk,
      getFinalChunk,
      maxBuffer
    });
    return finalize(state);
  } catch (error) {
    const normalizedError = typeof error === "object" && error !== null ? error : new Error(error);
    normalizedError.bufferedData = finalize(state);
    throw normalizedError;
  }
};
var appendFinalChunk = ({ state, getSize, truncateChunk, addChunk, getFinalChunk, maxBuffer }) => {
  const convertedChunk = getFinalChunk(state);
  if (convertedChunk !== void 0) {
    appendChunk({
      convertedChunk,
      state,
      getSize,
      truncateChunk,
      addChunk,
      maxBuffer
    });
  }
};
var appendChunk = ({ convertedChunk, state, getSize, truncateChunk, addChunk, maxBuffer }) => {
  const chunkSize = getSize(convertedChunk);
  const newLength = state.length + chunkSize;
  if (newLength <= maxBuffer) {
    addNewChunk(convertedChunk, state, addChunk, newLength);
    return;
  }
  const truncatedChunk = truncateChunk(convertedChunk, maxBuffer - state.length);
  if (truncatedChunk !== void 0) {
    addNewChunk(truncatedChunk, state, addChunk, maxBuffer);
  }
  throw new MaxBufferError();
};
var addNewChunk = (convertedChunk, state, addChunk, newLength) => {
  state.contents = addChunk(convertedChunk, state, newLength);
  state.length = newLength;
};
var getChunkType = (chunk) => {
  const typeOfChunk = typeof chunk;
  if (typeOfChunk === "string") {
    return "string";
  }
  if (typeOfChunk !== "object" || chunk === null) {
    return "others";
  }
  if (globalThis.Buffer?.isBuffer(chunk)) {
    return "buffer";
  }
  const prototypeName = objectToString2.call(chunk);
  if (prototypeName === "[object ArrayBuffer]") {
    return "arrayBuffer";
  }
  if (prototypeName === "[object DataView]") {
    return "dataView";
  }
  if (Number.isInteger(chunk.byteLength) && Number.isInteger(chunk.byteOffset) && objectToString2.call(chunk.buffer) === "[object ArrayBuffer]") {
    return "typedArray";
  }
  return "others";
};
var { toString: objectToString2 } = Object.prototype;
var MaxBufferError = class extends Error {
  name = "MaxBufferError";
  constructor() {
    super("maxBuffer exceeded");
  }
};

// node_modules/get-stream/source/utils.js
var identity2 = (value) => value;
var noop = () => void 0;
var getContentsProperty = ({ contents }) => contents;
var throwObjectStream = (chunk) => {
  throw new Error(`Streams in object mode are not supported: ${String(chunk)}`);
};
var getLengthProperty = (convertedChunk) => convertedChunk.length;

// node_modules/get-stream/source/array.js
async function getStreamAsArray(stream, options) {
  return getStreamContents(stream, arrayMethods, options);
}
var initArray = () => ({ contents: [] });
var increment = () => 1;
var addArrayChunk = (convertedChunk, { contents }) => {
  contents.push(convertedChunk);
  return contents;
};
var arrayMethods = {
  init: initArray,
  convertChunk: {
    string: identity2,
    buffer: identity2,
    arrayBuffer: identity2,
    dataView: identity2,
    typedArray: identity2,
    others: identity2
  },
  getSize: increment,
  truncateChunk: noop,
  addChunk: addArrayChunk,
  getFinalChunk: noop,
  finalize: getContentsProperty
};

// node_modules/get-stream/source/array-buffer.js
async function getStreamAsArrayBuffer(stream, options) {
  return getStreamContents(stream, arrayBufferMethods, options);
}
var initArrayBuffer = () => ({ contents: new ArrayBuffer(0) });
var useTextEncoder = (chunk) => textEncoder2.encode(chunk);
var textEncoder2 = new TextEncoder();
var useUint8Array = (chunk) => new Uint8Array(chunk);
var useUint8ArrayWithOffset = (chunk) => new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
var truncateArrayBufferChunk = (convertedChunk, chunkSize) => convertedChunk.slice(0, chunkSize);
var addArrayBufferChunk = (convertedChunk, { contents, length: previousLength }, length) => {
  const newContents = hasArrayBufferResize() ? resizeArrayBuffer(contents, length) : resizeArrayBufferSlow(contents, length);
  new Uint8Array(newContents).set(convertedChunk, previousLength);
  return newContents;
};
var resizeArrayBufferSlow = (contents, length) => {
  if (length <= contents.byteLength) {
    return contents;
  }
  const arrayBuffer = new ArrayBuffer(getNewContentsLength(length));
  new Uint8Array(arrayBuffer).set(new Uint8Array(contents), 0);
  return arrayBuffer;
};
var resizeArrayBuffer = (contents, length) => {
  if (length <= contents.maxByteLength) {
    contents.resize(length);
    return contents;
  }
  const arrayBuffer = new ArrayBuffer(length, { maxByteLength: getNewContentsLength(length) });
  new Uint8Array(arrayBuffer).set(new Uint8Array(contents), 0);
  return arrayBuffer;
};
var getNewContentsLength = (length) => SCALE_FACTOR ** Math.ceil(Math.log(length) / Math.log(SCALE_FACTOR));
var SCALE_FACTOR = 2;
var finalizeArrayBuffer = ({ contents, length }) => hasArrayBufferResize() ? contents : contents.slice(0, length);
var hasArrayBufferResize = () => "resize" in ArrayBuffer.prototype;
var arrayBufferMethods = {
  init: initArrayBuffer,
  convertChunk: {
    string: useTextEncoder,
    buffer: useUint8Array,
    arrayBuffer: useUint8Array,
    dataView: useUint8ArrayWithOffset,
    typedArray: useUint8ArrayWithOffset,
    others: throwObjectStream
  },
  getSize: getLengthProperty,
  truncateChunk: truncateArrayBufferChunk,
  addChunk: addArrayBufferChunk,
  getFinalChunk: noop,
  finalize: finalizeArrayBuffer
};

// node_modules/get-stream/source/string.js
async function getStreamAsString(stream, options) {
  return getStreamContents(stream, stringMethods, options);
}
var initString = () => ({ contents: "", textDecoder: new TextDecoder() });
var useTextDecoder = (chunk, { textDecoder: textDecoder2 }) => textDecoder2.decode(chunk, { stream: true });
var addStringChunk = (convertedChunk, { contents }) => contents + convertedChunk;
var truncateStringChunk = (convertedChunk, chunkSize) => convertedChunk.slice(0, chunkSize);
var getFinalStringChunk = ({ textDecoder: textDecoder2 }) => {
  const finalChunk = textDecoder2.decode();
  return finalChunk === "" ? void 0 : finalChunk;
};
var stringMethods = {
  init: initString,
  convertChunk: {
    string: identity2,
    buffer: useTextDecoder,
    arrayBuffer: useTextDecoder,
    dataView: useTextDecoder,
    typedArray: useTextDecoder,
    others: throwObjectStream
  },
  getSize: getLengthProperty,
  truncateChunk: truncateStringChunk,
  addChunk: addStringChunk,
  getFinalChunk: getFinalStringChunk,
  finalize: getContentsProperty
};

// node_modules/get-stream/source/index.js
Object.assign(nodeImports, { on, finished });

// node_modules/execa/lib/io/max-buffer.js
var handleMaxBuffer = ({ error, stream, readableObjectMode, lines, encoding, fdNumber }) => {
  if (!(error instanceof MaxBufferError)) {
    throw error;
  }
  if (fdNumber === "all") {
    return error;
  }
  const unit = getMaxBufferUnit(readableObjectMode, lines, encoding);
  error.maxBufferInfo = { fdNumber, unit };
  stream.destroy();
  throw error;
};
var getMaxBufferUnit = (readableObjectMode, lines, encoding) => {
  if (readableObjectMode) {
    return "objects";
  }
  if (lines) {
    return "lines";
  }
  if (encoding === "buffer") {
    return "bytes";
  }
  return "characters";
};
var checkIpcMaxBuffer = (subprocess, ipcOutput, maxBuffer) => {
  if (ipcOutput.length !== maxBuffer) {
    return;
  }
  const error = new MaxBufferError();
  error.maxBufferInfo = { fdNumber: "ipc" };
  throw error;
};
var getMaxBufferMessage = (error, maxBuffer) => {
  const { streamName, threshold, unit } = getMaxBufferInfo(error, maxBuffer);
  return `Command's ${streamName} was larger than ${threshold} ${unit}`;
};
var getMaxBufferInfo = (error, maxBuffer) => {
  if (error?.maxBufferInfo === void 0) {
    return { streamName: "output", threshold: maxBuffer[1], unit: "bytes" };
  }
  const { maxBufferInfo: { fdNumber, unit } } = error;
  delete error.maxBufferInfo;
  const threshold = getFdSpecificValue(maxBuffer, fdNumber);
  if (fdNumber === "ipc") {
    return { streamName: "IPC output", threshold, unit: "messages" };
  }
  return { streamName: getStreamName(fdNumber), threshold, unit };
};
var isMaxBufferSync = (resultError, output2, maxBuffer) => resultError?.code === "ENOBUFS" && output2 !== null && output2.some((result) => result !== null && result.length > getMaxBufferSync(maxBuffer));
var truncateMaxBufferSync = (result, isMaxBuffer, maxBuffer) => {
  if (!isMaxBuffer) {
    return result;
  }
  const maxBufferValue = getMaxBufferSync(maxBuffer);
  return result.length > maxBufferValue ? result.slice(0, maxBufferValue) : result;
};
var getMaxBufferSync = ([, stdoutMaxBuffer]) => stdoutMaxBuffer;

// node_modules/execa/lib/return/message.js
var createMessages = ({
  stdio,
  all,
  ipcOutput,
  originalError,
  signal,
  signalDescription,
  exitCode,
  escapedCommand,
  timedOut,
  isCanceled,
  isGracefullyCanceled,
  isMaxBuffer,
  isForcefullyTerminated,
  forceKillAfterDelay,
  killSignal,
  maxBuffer,
  timeout,
  cwd
}) => {
  const errorCode = originalError?.code;
  const prefix = getErrorPrefix({
    originalError,
    timedOut,
    timeout,
    isMaxBuffer,
    maxBuffer,
    errorCode,
    signal,
    signalDescription,
    exitCode,
    isCanceled,
    isGracefullyCanceled,
    isForcefullyTerminated,
    forceKillAfterDelay,
    killSignal
  });
  const originalMessage = getOriginalMessage(originalError, cwd);
  const suffix = originalMessage === void 0 ? "" : `
${originalMessage}`;
  const shortMessage = `${prefix}: ${escapedCommand}${suffix}`;
  const messageStdio = all === void 0 ? [stdio[2], stdio[1]] : [all];
  const message = [
    shortMessage,
    ...messageStdio,
    ...stdio.slice(3),
    ipcOutput.map((ipcMessage) => serializeIpcMessage(ipcMessage)).join("\n")
  ].map((messagePart) => escapeLines(stripFinalNewline(serializeMessagePart(messagePart)))).filter(Boolean).join("\n\n");
  return { originalMessage, shortMessage, message };
};
var getErrorPrefix = ({
  originalError,
  timedOut,
  timeout,
  isMaxBuffer,
  maxBuffer,
  errorCode,
  signal,
  signalDescription,
  exitCode,
  isCanceled,
  isGracefullyCanceled,
  isForcefullyTerminated,
  forceKillAfterDelay,
  killSignal
}) => {
  const forcefulSuffix = getForcefulSuffix(isForcefullyTerminated, forceKillAfterDelay);
  if (timedOut) {
    return `Command timed out after ${timeout} milliseconds${forcefulSuffix}`;
  }
  if (isGracefullyCanceled) {
    if (signal === void 0) {
      return `Command was gracefully canceled with exit code ${exitCode}`;
    }
    return isForcefullyTerminated ? `Command was gracefully canceled${forcefulSuffix}` : `Command was gracefully canceled with ${signal} (${signalDescription})`;
  }
  if (isCanceled) {
    return `Command was canceled${forcefulSuffix}`;
  }
  if (isMaxBuffer) {
    return `${getMaxBufferMessage(originalError, maxBuffer)}${forcefulSuffix}`;
  }
  if (errorCode !== void 0) {
    return `Command failed with ${errorCode}${forcefulSuffix}`;
  }
  if (isForcefullyTerminated) {
    return `Command was killed with ${killSignal} (${getSignalDescription(killSignal)})${forcefulSuffix}`;
  }
  if (signal !== void 0) {
    return `Command was killed with ${signal} (${signalDescription})`;
  }
  if (exitCode !== void 0) {
    return `Command failed with exit code ${exitCode}`;
  }
  return "Command failed";
};
var getForcefulSuffix = (isForcefullyTerminated, forceKillAfterDelay) => isForcefullyTerminated ? ` and was forcefully terminated after ${forceKillAfterDelay} milliseconds` : "";
var getOriginalMessage = (originalError, cwd) => {
  if (originalError instanceof DiscardedError) {
    return;
  }
  const originalMessage = isExecaError(originalError) ? originalError.originalMessage : String(originalError?.message ?? originalError);
  const escapedOriginalMessage = escapeLines(fixCwdError(originalMessage, cwd));
  return escapedOriginalMessage === "" ? void 0 : escapedOriginalMessage;
};
var serializeIpcMessage = (ipcMessage) => typeof ipcMessage === "string" ? ipcMessage : inspect2(ipcMessage);
var serializeMessagePart = (messagePart) => Array.isArray(messagePart) ? messagePart.map((messageItem) => stripFinalNewline(serializeMessageItem(messageItem))).filter(Boolean).join("\n") : serializeMessageItem(messagePart);
var serializeMessageItem = (messageItem) => {
  if (typeof messageItem === "string") {
    return messageItem;
  }
  if (isUint8Array(messageItem)) {
    return uint8ArrayToString(messageItem);
  }
  return "";
};

// node_modules/execa/lib/return/result.js
var makeSuccessResult = ({
  command,
  escapedCommand,
  stdio,
  all,
  ipcOutput,
  options: { cwd },
  startTime
}) => omitUndefinedProperties({
  command,
  escapedCommand,
  cwd,
  durationMs: getDurationMs(startTime),
  failed: false,
  timedOut: false,
  isCanceled: false,
  isGracefullyCanceled: false,
  isTerminated: false,
  isMaxBuffer: false,
  isForcefullyTerminated: false,
  exitCode: 0,
  stdout: stdio[1],
  stderr: stdio[2],
  all,
  stdio,
  ipcOutput,
  pipedFrom: []
});
var makeEarlyError = ({
  error,
  command,
  escapedCommand,
  fileDescriptors,
  options,
  startTime,
  isSync
}) => makeError({
  error,
  command,
  escapedCommand,
  startTime,
  timedOut: false,
  isCanceled: false,
  isGracefullyCanceled: false,
  isMaxBuffer: false,
  isForcefullyTerminated: false,
  stdio: Array.from({ length: fileDescriptors.length }),
  ipcOutput: [],
  options,
  isSync
});
var makeError = ({
  error: originalError,
  command,
  escapedCommand,
  startTime,
  timedOut,
  isCanceled,
  isGracefullyCanceled,
  isMaxBuffer,
  isForcefullyTerminated,
  exitCode: rawExitCode,
  signal: rawSignal,
  stdio,
  all,
  ipcOutput,
  options: {
    timeoutDuration,
    timeout = timeoutDuration,
    forceKillAfterDelay,
    killSignal,
    cwd,
    maxBuffer
  },
  isSync
}) => {
  const { exitCode, signal, signalDescription } = normalizeExitPayload(rawExitCode, rawSignal);
  const { originalMessage, shortMessage, message } = createMessages({
    stdio,
    all,
    ipcOutput,
    originalError,
    signal,
    signalDescription,
    exitCode,
    escapedCommand,
    timedOut,
    isCanceled,
    isGracefullyCanceled,
    isMaxBuffer,
    isForcefullyTerminated,
    forceKillAfterDelay,
    killSignal,
    maxBuffer,
    timeout,
    cwd
  });
  const error = getFinalError(originalError, message, isSync);
  Object.assign(error, getErrorProperties({
    error,
    command,
    escapedCommand,
    startTime,
    timedOut,
    isCanceled,
    isGracefullyCanceled,
    isMaxBuffer,
    isForcefullyTerminated,
    exitCode,
    signal,
    signalDescription,
    stdio,
    all,
    ipcOutput,
    cwd,
    originalMessage,
    shortMessage
  }));
  return error;
};
var getErrorProperties = ({
  error,
  command,
  escapedCommand,
  startTime,
  timedOut,
  isCanceled,
  isGracefullyCanceled,
  isMaxBuffer,
  isForcefullyTerminated,
  exitCode,
  signal,
  signalDescription,
  stdio,
  all,
  ipcOutput,
  cwd,
  originalMessage,
  shortMessage
}) => omitUndefinedProperties({
  shortMessage,
  originalMessage,
  command,
  escapedCommand,
  cwd,
  durationMs: getDurationMs(startTime),
  failed: true,
  timedOut,
  isCanceled,
  isGracefullyCanceled,
  isTerminated: signal !== void 0,
  isMaxBuffer,
  isForcefullyTerminated,
  exitCode,
  signal,
  signalDescription,
  code: error.cause?.code,
  stdout: stdio[1],
  stderr: stdio[2],
  all,
  stdio,
  ipcOutput,
  pipedFrom: []
});
var omitUndefinedProperties = (result) => Object.fromEntries(Object.entries(result).filter(([, value]) => value !== void 0));
var normalizeExitPayload = (rawExitCode, rawSignal) => {
  const exitCode = rawExitCode === null ? void 0 : rawExitCode;
  const signal = rawSignal === null ? void 0 : rawSignal;
  const signalDescription = signal === void 0 ? void 0 : getSignalDescription(rawSignal);
  return { exitCode, signal, signalDescription };
};

// node_modules/parse-ms/index.js
var toZeroIfInfinity = (value) => Number.isFinite(value) ? value : 0;
function parseNumber(milliseconds) {
  return {
    days: Math.trunc(milliseconds / 864e5),
    hours: Math.trunc(milliseconds / 36e5 % 24),
    minutes: Math.trunc(milliseconds / 6e4 % 60),
    seconds: Math.trunc(milliseconds / 1e3 % 60),
    milliseconds: Math.trunc(milliseconds % 1e3),
    microseconds: Math.trunc(toZeroIfInfinity(milliseconds * 1e3) % 1e3),
    nanoseconds: Math.trunc(toZeroIfInfinity(milliseconds * 1e6) % 1e3)
  };
}
function parseBigint(milliseconds) {
  return {
    days: milliseconds / 86400000n,
    hours: milliseconds / 3600000n % 24n,
    minutes: milliseconds / 60000n % 60n,
    seconds: milliseconds / 1000n % 60n,
    milliseconds: milliseconds % 1000n,
    microseconds: 0n,
    nanoseconds: 0n
  };
}
function parseMilliseconds(milliseconds) {
  switch (typeof milliseconds) {
    case "number": {
      if (Number.isFinite(milliseconds)) {
        return parseNumber(milliseconds);
      }
      break;
    }
    case "bigint": {
      return parseBigint(milliseconds);
    }
  }
  throw new TypeError("Expected a finite number or bigint");
}

// node_modules/pretty-ms/index.js
var isZero = (value) => value === 0 || value === 0n;
var pluralize = (word, count2) => count2 === 1 || count2 === 1n ? word : `${word}s`;
var SECOND_ROUNDING_EPSILON = 1e-7;
var ONE_DAY_IN_MILLISECONDS = 24n * 60n * 60n * 1000n;
function prettyMilliseconds(milliseconds, options) {
  const isBigInt = typeof milliseconds === "bigint";
  if (!isBigInt && !Number.isFinite(milliseconds)) {
    throw new TypeError("Expected a finite number or bigint");
  }
  options = { ...options };
  const sign = milliseconds < 0 ? "-" : "";
  milliseconds = milliseconds < 0 ? -milliseconds : milliseconds;
  if (options.colonNotation) {
    options.compact = false;
    options.formatSubMilliseconds = false;
    options.separateMilliseconds = false;
    options.verbose = false;
  }
  if (options.compact) {
    options.unitCount = 1;
    options.secondsDecimalDigits = 0;
    options.millisecondsDecimalDigits = 0;
  }
  let result = [];
  const floorDecimals = (value, decimalDigits) => {
    const flooredInterimValue = Math.floor(value * 10 ** decimalDigits + SECOND_ROUNDING_EPSILON);
    const flooredValue = Math.round(flooredInterimValue) / 10 ** decimalDigits;
    return flooredValue.toFixed(decimalDigits);
  };
  const add = (value, long, short, valueString) => {
    if ((result.length === 0 || !options.colonNotation) && isZero(value) && !(options.colonNotation && short === "m")) {
      return;
    }
    valueString ??= String(value);
    if (options.colonNotation) {
      const wholeDigits = valueString.includes(".") ? valueString.split(".")[0].length : valueString.length;
      const minLength = result.length > 0 ? 2 : 1;
      valueString = "0".repeat(Math.max(0, minLength - wholeDigits)) + valueString;
    } else {
      valueString += options.verbose ? " " + pluralize(long, value) : short;
    }
    result.push(valueString);
  };
  const parsed = parseMilliseconds(milliseconds);
  const days = BigInt(parsed.days);
  if (options.hideYearAndDays) {
    add(BigInt(days) * 24n + BigInt(parsed.hours), "hour", "h");
  } else {
    if (options.hideYear) {
      add(days, "day", "d");
    } else {
      add(days / 365n, "year", "y");
      add(days % 365n, "day", "d");
    }
    add(Number(parsed.hours), "hour", "h");
  }
  add(Number(parsed.minutes), "minute", "m");
  if (!options.hideSeconds) {
    if (options.separateMilliseconds || options.formatSubMilliseconds || !options.colonNotation && milliseconds < 1e3 && !options.subSecondsAsDecimals) {
      const seconds = Number(parsed.seconds);
      const milliseconds2 = Number(parsed.milliseconds);
      const microseconds = Number(parsed.microseconds);
      const nanoseconds = Number(parsed.nanoseconds);
      add(seconds, "second", "s");
      if (options.formatSubMilliseconds) {
        add(milliseconds2, "millisecond", "ms");
        add(microseconds, "microsecond", "\xB5s");
        add(nanoseconds, "nanosecond", "ns");
      } else {
        const millisecondsAndBelow = milliseconds2 + microseconds / 1e3 + nanoseconds / 1e6;
        const millisecondsDecimalDigits = typeof options.millisecondsDecimalDigits === "number" ? options.millisecondsDecimalDigits : 0;
        const roundedMilliseconds = millisecondsAndBelow >= 1 ? Math.round(millisecondsAndBelow) : Math.ceil(millisecondsAndBelow);
        const maximumMilliseconds = 1e3 - 10 ** -millisecondsDecimalDigits;
        const millisecondsString = millisecondsDecimalDigits ? Math.min(millisecondsAndBelow, maximumMilliseconds).toFixed(millisecondsDecimalDigits) : Math.min(roundedMilliseconds, maximumMilliseconds);
        add(
          Number.parseFloat(millisecondsString),
          "millisecond",
          "ms",
          millisecondsString
        );
      }
    } else {
      const seconds = (isBigInt ? Number(milliseconds % ONE_DAY_IN_MILLISECONDS) : milliseconds) / 1e3 % 60;
      const secondsDecimalDigits = typeof options.secondsDecimalDigits === "number" ? options.secondsDecimalDigits : 1;
      const secondsFixed = floorDecimals(seconds, secondsDecimalDigits);
      const secondsString = options.keepDecimalsOnWholeSeconds ? secondsFixed : secondsFixed.replace(/\.0+$/, "");
      add(Number.parseFloat(secondsString), "second", "s", secondsString);
    }
  }
  if (result.length === 0) {
    return sign + "0" + (options.verbose ? " milliseconds" : "ms");
  }
  const separator = options.colonNotation ? ":" : " ";
  if (typeof options.unitCount === "number") {
    result = result.slice(0, Math.max(options.unitCount, 1));
  }
  return sign + result.join(separator);
}

// node_modules/execa/lib/verbose/error.js
var logError = (result, verboseInfo) => {
  if (result.failed) {
    verboseLog({
      type: "error",
      verboseMessage: result.shortMessage,
      verboseInfo,
      result
    });
  }
};

// node_modules/execa/lib/verbose/complete.js
var logResult = (result, verboseInfo) => {
  if (!isVerbose(verboseInfo)) {
    return;
  }
  logError(result, verboseInfo);
  logDuration(result, verboseInfo);
};
var logDuration = (result, verboseInfo) => {
  const verboseMessage = `(done in ${prettyMilliseconds(result.durationMs)})`;
  verboseLog({
    type: "duration",
    verboseMessage,
    verboseInfo,
    result
  });
};

// node_modules/execa/lib/return/reject.js
var handleResult = (result, verboseInfo, { reject }) => {
  logResult(result, verboseInfo);
  if (result.failed && reject) {
    throw result;
  }
  return result;
};

// node_modules/execa/lib/stdio/handle-sync.js
import { readFileSync as readFileSync3 } from "node:fs";

// node_modules/execa/lib/stdio/type.js
var getStdioItemType = (value, optionName) => {
  if (isAsyncGenerator(value)) {
    return "asyncGenerator";
  }
  if (isSyncGenerator(value)) {
    return "generator";
  }
  if (isUrl(value)) {
    return "fileUrl";
  }
  if (isFilePathObject(value)) {
    return "filePath";
  }
  if (isWebStream(value)) {
    return "webStream";
  }
  if (isStream(value, { checkOpen: false })) {
    return "native";
  }
  if (isUint8Array(value)) {
    return "uint8Array";
  }
  if (isAsyncIterableObject(value)) {
    return "asyncIterable";
  }
  if (isIterableObject(value)) {
    return "iterable";
  }
  if (isTransformStream(value)) {
    return getTransformStreamType({ transform: value }, optionName);
  }
  if (isTransformOptions(value)) {
    return getTransformObjectType(value, optionName);
  }
  return "native";
};
var getTransformObjectType = (value, optionName) => {
  if (isDuplexStream(value.transform, { checkOpen: false })) {
    return getDuplexType(value, optionName);
  }
  if (isTransformStream(value.transform)) {
    return getTransformStreamType(value, optionName);
  }
  return getGeneratorObjectType(value, optionName);
};
var getDuplexType = (value, optionName) => {
  validateNonGeneratorType(value, optionName, "Duplex stream");
  return "duplex";
};
var getTransformStreamType = (value, optionName) => {
  validateNonGeneratorType(value, optionName, "web TransformStream");
  return "webTransform";
};
var validateNonGeneratorType = ({ final, binary, objectMode }, optionName, typeName) => {
  checkUndefinedOption(final, `${optionName}.final`, typeName);
  checkUndefinedOption(binary, `${optionName}.binary`, typeName);
  checkBooleanOption(objectMode, `${optionName}.objectMode`);
};
var checkUndefinedOption = (value, optionName, typeName) => {
  if (value !== void 0) {
    throw new TypeError(`The \`${optionName}\` option can only be defined when using a generator, not a ${typeName}.`);
  }
};
var getGeneratorObjectType = ({ transform, final, binary, objectMode }, optionName) => {
  if (transform !== void 0 && !isGenerator(transform)) {
    throw new TypeError(`The \`${optionName}.transform\` option must be a generator, a Duplex stream or a web TransformStream.`);
  }
  if (isDuplexStream(final, { checkOpen: false })) {
    throw new TypeError(`The \`${optionName}.final\` option must not be a Duplex stream.`);
  }
  if (isTransformStream(final)) {
    throw new TypeError(`The \`${optionName}.final\` option must not be a web TransformStream.`);
  }
  if (final !== void 0 && !isGenerator(final)) {
    throw new TypeError(`The \`${optionName}.final\` option must be a generator.`);
  }
  checkBooleanOption(binary, `${optionName}.binary`);
  checkBooleanOption(objectMode, `${optionName}.objectMode`);
  return isAsyncGenerator(transform) || isAsyncGenerator(final) ? "asyncGenerator" : "generator";
};
var checkBooleanOption = (value, optionName) => {
  if (value !== void 0 && typeof value !== "boolean") {
    throw new TypeError(`The \`${optionName}\` option must use a boolean.`);
  }
};
var isGenerator = (value) => isAsyncGenerator(value) || isSyncGenerator(value);
var isAsyncGenerator = (value) => Object.prototype.toString.call(value) === "[object AsyncGeneratorFunction]";
var isSyncGenerator = (value) => Object.prototype.toString.call(value) === "[object GeneratorFunction]";
var isTransformOptions = (value) => isPlainObject(value) && (value.transform !== void 0 || value.final !== void 0);
var isUrl = (value) => Object.prototype.toString.call(value) === "[object URL]";
var isRegularUrl = (value) => isUrl(value) && value.protocol !== "file:";
var isFilePathObject = (value) => isPlainObject(value) && Object.keys(value).length > 0 && Object.keys(value).every((key) => FILE_PATH_KEYS.has(key)) && isFilePathString(value.file);
var FILE_PATH_KEYS = /* @__PURE__ */ new Set(["file", "append"]);
var isFilePathString = (file) => typeof file === "string";
var isUnknownStdioString = (type, value) => type === "native" && typeof value === "string" && !KNOWN_STDIO_STRINGS.has(value);
var KNOWN_STDIO_STRINGS = /* @__PURE__ */ new Set(["ipc", "ignore", "inherit", "overlapped", "pipe"]);
var isReadableStream2 = (value) => Object.prototype.toString.call(value) === "[object ReadableStream]";
var isWritableStream2 = (value) => Object.prototype.toString.call(value) === "[object WritableStream]";
var isWebStream = (value) => isReadableStream2(value) || isWritableStream2(value);
var isTransformStream = (value) => isReadableStream2(value?.readable) && isWritableStream2(value?.writable);
var isAsyncIterableObject = (value) => isObject(value) && typeof value[Symbol.asyncIterator] === "function";
var isIterableObject = (value) => isObject(value) && typeof value[Symbol.iterator] === "function";
var isObject = (value) => typeof value === "object" && value !== null;
var TRANSFORM_TYPES = /* @__PURE__ */ new Set(["generator", "asyncGenerator", "duplex", "webTransform"]);
var FILE_TYPES = /* @__PURE__ */ new Set(["fileUrl", "filePath", "fileNumber"]);
var SPECIAL_DUPLICATE_TYPES_SYNC = /* @__PURE__ */ new Set(["fileUrl", "filePath"]);
var SPECIAL_DUPLICATE_TYPES = /* @__PURE__ */ new Set([...SPECIAL_DUPLICATE_TYPES_SYNC, "webStream", "nodeStream"]);
var FORBID_DUPLICATE_TYPES = /* @__PURE__ */ new Set(["webTransform", "duplex"]);
var TYPE_TO_MESSAGE = {
  generator: "a generator",
  asyncGenerator: "an async generator",
  fileUrl: "a file URL",
  filePath: "a file path string",
  fileNumber: "a file descriptor number",
  webStream: "a web stream",
  nodeStream: "a Node.js stream",
  webTransform: "a web TransformStream",
  duplex: "a Duplex stream",
  native: "any value",
  iterable: "an iterable",
  asyncIterable: "an async iterable",
  string: "a string",
  uint8Array: "a Uint8Array"
};

// node_modules/execa/lib/transform/object-mode.js
var getTransformObjectModes = (objectMode, index, newTransforms, direction) => direction === "output" ? getOutputObjectModes(objectMode, index, newTransforms) : getInputObjectModes(objectMode, index, newTransforms);
var getOutputObjectModes = (objectMode, index, newTransforms) => {
  const writableObjectMode = index !== 0 && newTransforms[index - 1].value.readableObjectMode;
  const readableObjectMode = objectMode ?? writableObjectMode;
  return { writableObjectMode, readableObjectMode };
};
var getInputObjectModes = (objectMode, index, newTransforms) => {
  const writableObjectMode = index === 0 ? objectMode === true : newTransforms[index - 1].value.readableObjectMode;
  const readableObjectMode = index !== newTransforms.length - 1 && (objectMode ?? writableObjectMode);
  return { writableObjectMode, readableObjectMode };
};
var getFdObjectMode = (stdioItems, direction) => {
  const lastTransform = stdioItems.findLast(({ type }) => TRANSFORM_TYPES.has(type));
  if (lastTransform === void 0) {
    return false;
  }
  return direction === "input" ? lastTransform.value.writableObjectMode : lastTransform.value.readableObjectMode;
};

// node_modules/execa/lib/transform/normalize.js
var normalizeTransforms = (stdioItems, optionName, direction, options) => [
  ...stdioItems.filter(({ type }) => !TRANSFORM_TYPES.has(type)),
  ...getTransforms(stdioItems, optionName, direction, options)
];
var getTransforms = (stdioItems, optionName, direction, { encoding }) => {
  const transforms = stdioItems.filter(({ type }) => TRANSFORM_TYPES.has(type));
  const newTransforms = Array.from({ length: transforms.length });
  for (const [index, stdioItem] of Object.entries(transforms)) {
    newTransforms[index] = normalizeTransform({
      stdioItem,
      index: Number(index),
      newTransforms,
      optionName,
      direction,
      encoding
    });
  }
  return sortTransforms(newTransforms, direction);
};
var normalizeTransform = ({ stdioItem, stdioItem: { type }, index, newTransforms, optionName, direction, encoding }) => {
  if (type === "duplex") {
    return normalizeDuplex({ stdioItem, optionName });
  }
  if (type === "webTransform") {
    return normalizeTransformStream({
      stdioItem,
      index,
      newTransforms,
      direction
    });
  }
  return normalizeGenerator({
    stdioItem,
    index,
    newTransforms,
    direction,
    encoding
  });
};
var normalizeDuplex = ({
  stdioItem,
  stdioItem: {
    value: {
      transform,
      transform: { writableObjectMode, readableObjectMode },
      objectMode = readableObjectMode
    }
  },
  optionName
}) => {
  if (objectMode && !readableObjectMode) {
    throw new TypeError(`The \`${optionName}.objectMode\` option can only be \`true\` if \`new Duplex({objectMode: true})\` is used.`);
  }
  if (!objectMode && readableObjectMode) {
    throw new TypeError(`The \`${optionName}.objectMode\` option cannot be \`false\` if \`new Duplex({objectMode: true})\` is used.`);
  }
  return {
    ...stdioItem,
    value: { transform, writableObjectMode, readableObjectMode }
  };
};
var normalizeTransformStream = ({ stdioItem, stdioItem: { value }, index, newTransforms, direction }) => {
  const { transform, objectMode } = isPlainObject(value) ? value : { transform: value };
  const { writableObjectMode, readableObjectMode } = getTransformObjectModes(objectMode, index, newTransforms, direction);
  return {
    ...stdioItem,
    value: { transform, writableObjectMode, readableObjectMode }
  };
};
var normalizeGenerator = ({ stdioItem, stdioItem: { value }, index, newTransforms, direction, encoding }) => {
  const {
    transform,
    final,
    binary: binaryOption = false,
    preserveNewlines = false,
    objectMode
  } = isPlainObject(value) ? value : { transform: value };
  const binary = binaryOption || BINARY_ENCODINGS.has(encoding);
  const { writableObjectMode, readableObjectMode } = getTransformObjectModes(objectMode, index, newTransforms, direction);
  return {
    ...stdioItem,
    value: {
      transform,
      final,
      binary,
      preserveNewlines,
      writableObjectMode,
      readableObjectMode
    }
  };
};
var sortTransforms = (newTransforms, direction) => direction === "input" ? newTransforms.reverse() : newTransforms;

// node_modules/execa/lib/stdio/direction.js
import process7 from "node:process";
var getStreamDirection = (stdioItems, fdNumber, optionName) => {
  const directions = stdioItems.map((stdioItem) => getStdioItemDirection(stdioItem, fdNumber));
  if (directions.includes("input") && directions.includes("output")) {
    throw new TypeError(`The \`${optionName}\` option must not be an array of both readable and writable values.`);
  }
  return directions.find(Boolean) ?? DEFAULT_DIRECTION;
};
var getStdioItemDirection = ({ type, value }, fdNumber) => KNOWN_DIRECTIONS[fdNumber] ?? guessStreamDirection[type](value);
var KNOWN_DIRECTIONS = ["input", "output", "output"];
var anyDirection = () => void 0;
var alwaysInput = () => "input";
var guessStreamDirection = {
  generator: anyDirection,
  asyncGenerator: anyDirection,
  fileUrl: anyDirection,
  filePath: anyDirection,
  iterable: alwaysInput,
  asyncIterable: alwaysInput,
  uint8Array: alwaysInput,
  webStream: (value) => isWritableStream2(value) ? "output" : "input",
  nodeStream(value) {
    if (!isReadableStream(value, { checkOpen: false })) {
      return "output";
    }
    return isWritableStream(value, { checkOpen: false }) ? void 0 : "input";
  },
  webTransform: anyDirection,
  duplex: anyDirection,
  native(value) {
    const standardStreamDirection = getStandardStreamDirection(value);
    if (standardStreamDirection !== void 0) {
      return standardStreamDirection;
    }
    if (isStream(value, { checkOpen: false })) {
      return guessStreamDirection.nodeStream(value);
    }
  }
};
var getStandardStreamDirection = (value) => {
  if ([0, process7.stdin].includes(value)) {
    return "input";
  }
  if ([1, 2, process7.stdout, process7.stderr].includes(value)) {
    return "output";
  }
};
var DEFAULT_DIRECTION = "output";

// node_modules/execa/lib/ipc/array.js
var normalizeIpcStdioArray = (stdioArray, ipc) => ipc && !stdioArray.includes("ipc") ? [...stdioArray, "ipc"] : stdioArray;

// node_modules/execa/lib/stdio/stdio-option.js
var normalizeStdioOption = ({ stdio, ipc, buffer, ...options }, verboseInfo, isSync) => {
  const stdioArray = getStdioArray(stdio, options).map((stdioOption, fdNumber) => addDefaultValue2(stdioOption, fdNumber));
  return isSync ? normalizeStdioSync(stdioArray, buffer, verboseInfo) : normalizeIpcStdioArray(stdioArray, ipc);
};
var getStdioArray = (stdio, options) => {
  if (stdio === void 0) {
    return STANDARD_STREAMS_ALIASES.map((alias) => options[alias]);
  }
  if (hasAlias(options)) {
    throw new Error(`It's not possible to provide \`stdio\` in combination with one of ${STANDARD_STREAMS_ALIASES.map((alias) => `\`${alias}\``).join(", ")}`);
  }
  if (typeof stdio === "string") {
    return [stdio, stdio, stdio];
  }
  if (!Array.isArray(stdio)) {
    throw new TypeError(`Expected \`stdio\` to be of type \`string\` or \`Array\`, got \`${typeof stdio}\``);
  }
  const length = Math.max(stdio.length, STANDARD_STREAMS_ALIASES.length);
  return Array.from({ length }, (_, fdNumber) => stdio[fdNumber]);
};
var hasAlias = (options) => STANDARD_STREAMS_ALIASES.some((alias) => options[alias] !== void 0);
var addDefaultValue2 = (stdioOption, fdNumber) => {
  if (Array.isArray(stdioOption)) {
    return stdioOption.map((item) => addDefaultValue2(item, fdNumber));
  }
  if (stdioOption === null || stdioOption === void 0) {
    return fdNumber >= STANDARD_STREAMS_ALIASES.length ? "ignore" : "pipe";
  }
  return stdioOption;
};
var normalizeStdioSync = (stdioArray, buffer, verboseInfo) => stdioArray.map((stdioOption, fdNumber) => !buffer[fdNumber] && fdNumber !== 0 && !isFullVerbose(verboseInfo, fdNumber) && isOutputPipeOnly(stdioOption) ? "ignore" : stdioOption);
var isOutputPipeOnly = (stdioOption) => stdioOption === "pipe" || Array.isArray(stdioOption) && stdioOption.every((item) => item === "pipe");

// node_modules/execa/lib/stdio/native.js
import { readFileSync as readFileSync2 } from "node:fs";
import tty2 from "node:tty";
var handleNativeStream = ({ stdioItem, stdioItem: { type }, isStdioArray, fdNumber, direction, isSync }) => {
  if (!isStdioArray || type !== "native") {
    return stdioItem;
  }
  return isSync ? handleNativeStreamSync({ stdioItem, fdNumber, direction }) : handleNativeStreamAsync({ stdioItem, fdNumber });
};
var handleNativeStreamSync = ({ stdioItem, stdioItem: { value, optionName }, fdNumber, direction }) => {
  const targetFd = getTargetFd({
    value,
    optionName,
    fdNumber,
    direction
  });
  if (targetFd !== void 0) {
    return targetFd;
  }
  if (isStream(value, { checkOpen: false })) {
    throw new TypeError(`The \`${optionName}: Stream\` option cannot both be an array and include a stream with synchronous methods.`);
  }
  return stdioItem;
};
var getTargetFd = ({ value, optionName, fdNumber, direction }) => {
  const targetFdNumber = getTargetFdNumber(value, fdNumber);
  if (targetFdNumber === void 0) {
    return;
  }
  if (direction === "output") {
    return { type: "fileNumber", value: targetFdNumber, optionName };
  }
  if (tty2.isatty(targetFdNumber)) {
    throw new TypeError(`The \`${optionName}: ${serializeOptionValue(value)}\` option is invalid: it cannot be a TTY with synchronous methods.`);
  }
  return { type: "uint8Array", value: bufferToUint8Array(readFileSync2(targetFdNumber)), optionName };
};
var getTargetFdNumber = (value, fdNumber) => {
  if (value === "inherit") {
    return fdNumber;
  }
  if (typeof value === "number") {
    return value;
  }
  const standardStreamIndex = STANDARD_STREAMS.indexOf(value);
  if (standardStreamIndex !== -1) {
    return standardStreamIndex;
  }
};
var handleNativeStreamAsync = ({ stdioItem, stdioItem: { value, optionName }, fdNumber }) => {
  if (value === "inherit") {
    return { type: "nodeStream", value: getStandardStream(fdNumber, value, optionName), optionName };
  }
  if (typeof value === "number") {
    return { type: "nodeStream", value: getStandardStream(value, value, optionName), optionName };
  }
  if (isStream(value, { checkOpen: false })) {
    return { type: "nodeStream", value, optionName };
  }
  return stdioItem;
};
var getStandardStream = (fdNumber, value, optionName) => {
  const standardStream = STANDARD_STREAMS[fdNumber];
  if (standardStream === void 0) {
    throw new TypeError(`The \`${optionName}: ${value}\` option is invalid: no such standard stream.`);
  }
  return standardStream;
};

// node_modules/execa/lib/stdio/input-option.js
var handleInputOptions = ({ input: input2, inputFile }, fdNumber) => fdNumber === 0 ? [
  ...handleInputOption(input2),
  ...handleInputFileOption(inputFile)
] : [];
var handleInputOption = (input2) => input2 === void 0 ? [] : [{
  type: getInputType(input2),
  value: input2,
  optionName: "input"
}];
var getInputType = (input2) => {
  if (isReadableStream(input2, { checkOpen: false })) {
    return "nodeStream";
  }
  if (typeof input2 === "string") {
    return "string";
  }
  if (isUint8Array(input2)) {
    return "uint8Array";
  }
  throw new Error("The `input` option must be a string, a Uint8Array or a Node.js Readable stream.");
};
var handleInputFileOption = (inputFile) => inputFile === void 0 ? [] : [{
  ...getInputFileType(inputFile),
  optionName: "inputFile"
}];
var getInputFileType = (inputFile) => {
  if (isUrl(inputFile)) {
    return { type: "fileUrl", value: inputFile };
  }
  if (isFilePathString(inputFile)) {
    return { type: "filePath", value: { file: inputFile } };
  }
  throw new Error("The `inputFile` option must be a file path string or a file URL.");
};

// node_modules/execa/lib/stdio/duplicate.js
var filterDuplicates = (stdioItems) => stdioItems.filter((stdioItemOne, indexOne) => stdioItems.every((stdioItemTwo, indexTwo) => stdioItemOne.value !== stdioItemTwo.value || indexOne >= indexTwo || stdioItemOne.type === "generator" || stdioItemOne.type === "asyncGenerator"));
var getDuplicateStream = ({ stdioItem: { type, value, optionName }, direction, fileDescriptors, isSync }) => {
  const otherStdioItems = getOtherStdioItems(fileDescriptors, type);
  if (otherStdioItems.length === 0) {
    return;
  }
  if (isSync) {
    validateDuplicateStreamSync({
      otherStdioItems,
      type,
      value,
      optionName,
      direction
    });
    return;
  }
  if (SPECIAL_DUPLICATE_TYPES.has(type)) {
    return getDuplicateStreamInstance({
      otherStdioItems,
      type,
      value,
      optionName,
      direction
    });
  }
  if (FORBID_DUPLICATE_TYPES.has(type)) {
    validateDuplicateTransform({
      otherStdioItems,
      type,
      value,
      optionName
    });
  }
};
var getOtherStdioItems = (fileDescriptors, type) => fileDescriptors.flatMap(({ direction, stdioItems }) => stdioItems.filter((stdioItem) => stdioItem.type === type).map(((stdioItem) => ({ ...stdioItem, direction }))));
var validateDuplicateStreamSync = ({ otherStdioItems, type, value, optionName, direction }) => {
  if (SPECIAL_DUPLICATE_TYPES_SYNC.has(type)) {
    getDuplicateStreamInstance({
      otherStdioItems,
      type,
      value,
      optionName,
      direction
    });
  }
};
var getDuplicateStreamInstance = ({ otherStdioItems, type, value, optionName, direction }) => {
  const duplicateStdioItems = otherStdioItems.filter((stdioItem) => hasSameValue(stdioItem, value));
  if (duplicateStdioItems.length === 0) {
    return;
  }
  const differentStdioItem = duplicateStdioItems.find((stdioItem) => stdioItem.direction !== direction);
  throwOnDuplicateStream(differentStdioItem, optionName, type);
  return direction === "output" ? duplicateStdioItems[0].stream : void 0;
};
var hasSameValue = ({ type, value }, secondValue) => {
  if (type === "filePath") {
    return value.file === secondValue.file;
  }
  if (type === "fileUrl") {
    return value.href === secondValue.href;
  }
  return value === secondValue;
};
var validateDuplicateTransform = ({ otherStdioItems, type, value, optionName }) => {
  const duplicateStdioItem = otherStdioItems.find(({ value: { transform } }) => transform === value.transform);
  throwOnDuplicateStream(duplicateStdioItem, optionName, type);
};
var throwOnDuplicateStream = (stdioItem, optionName, type) => {
  if (stdioItem !== void 0) {
    throw new TypeError(`The \`${stdioItem.optionName}\` and \`${optionName}\` options must not target ${TYPE_TO_MESSAGE[type]} that is the same.`);
  }
};

// node_modules/execa/lib/stdio/handle.js
var handleStdio = (addProperties3, options, verboseInfo, isSync) => {
  const stdio = normalizeStdioOption(options, verboseInfo, isSync);
  const initialFileDescriptors = stdio.map((stdioOption, fdNumber) => getFileDescriptor({
    stdioOption,
    fdNumber,
    options,
    isSync
  }));
  const fileDescriptors = getFinalFileDescriptors({
    initialFileDescriptors,
    addProperties: addProperties3,
    options,
    isSync
  });
  options.stdio = fileDescriptors.map(({ stdioItems }) => forwardStdio(stdioItems));
  return fileDescriptors;
};
var getFileDescriptor = ({ stdioOption, fdNumber, options, isSync }) => {
  const optionName = getStreamName(fdNumber);
  const { stdioItems: initialStdioItems, isStdioArray } = initializeStdioItems({
    stdioOption,
    fdNumber,
    options,
    optionName
  });
  const direction = getStreamDirection(initialStdioItems, fdNumber, optionName);
  const stdioItems = initialStdioItems.map((stdioItem) => handleNativeStream({
    stdioItem,
    isStdioArray,
    fdNumber,
    direction,
    isSync
  }));
  const normalizedStdioItems = normalizeTransforms(stdioItems, optionName, direction, options);
  const objectMode = getFdObjectMode(normalizedStdioItems, direction);
  validateFileObjectMode(normalizedStdioItems, objectMode);
  return { direction, objectMode, stdioItems: normalizedStdioItems };
};
var initializeStdioItems = ({ stdioOption, fdNumber, options, optionName }) => {
  const values = Array.isArray(stdioOption) ? stdioOption : [stdioOption];
  const initialStdioItems = [
    ...values.map((value) => initializeStdioItem(value, optionName)),
    ...handleInputOptions(options, fdNumber)
  ];
  const stdioItems = filterDuplicates(initialStdioItems);
  const isStdioArray = stdioItems.length > 1;
  validateStdioArray(stdioItems, isStdioArray, optionName);
  validateStreams(stdioItems);
  return { stdioItems, isStdioArray };
};
var initializeStdioItem = (value, optionName) => ({
  type: getStdioItemType(value, optionName),
  value,
  optionName
});
var validateStdioArray = (stdioItems, isStdioArray, optionName) => {
  if (stdioItems.length === 0) {
    throw new TypeError(`The \`${optionName}\` option must not be an empty array.`);
  }
  if (!isStdioArray) {
    return;
  }
  for (const { value, optionName: optionName2 } of stdioItems) {
    if (INVALID_STDIO_ARRAY_OPTIONS.has(value)) {
      throw new Error(`The \`${optionName2}\` option must not include \`${value}\`.`);
    }
  }
};
var INVALID_STDIO_ARRAY_OPTIONS = /* @__PURE__ */ new Set(["ignore", "ipc"]);
var validateStreams = (stdioItems) => {
  for (const stdioItem of stdioItems) {
    validateFileStdio(stdioItem);
  }
};
var validateFileStdio = ({ type, value, optionName }) => {
  if (isRegularUrl(value)) {
    throw new TypeError(`The \`${optionName}: URL\` option must use the \`file:\` scheme.
For example, you can use the \`pathToFileURL()\` method of the \`url\` core module.`);
  }
  if (isUnknownStdioString(type, value)) {
    throw new TypeError(`The \`${optionName}: { file: '...' }\` option must be used instead of \`${optionName}: '...'\`.`);
  }
};
var validateFileObjectMode = (stdioItems, objectMode) => {
  if (!objectMode) {
    return;
  }
  const fileStdioItem = stdioItems.find(({ type }) => FILE_TYPES.has(type));
  if (fileStdioItem !== void 0) {
    throw new TypeError(`The \`${fileStdioItem.optionName}\` option cannot use both files and transforms in objectMode.`);
  }
};
var getFinalFileDescriptors = ({ initialFileDescriptors, addProperties: addProperties3, options, isSync }) => {
  const fileDescriptors = [];
  try {
    for (const fileDescriptor of initialFileDescriptors) {
      fileDescriptors.push(getFinalFileDescriptor({
        fileDescriptor,
        fileDescriptors,
        addProperties: addProperties3,
        options,
        isSync
      }));
    }
    return fileDescriptors;
  } catch (error) {
    cleanupCustomStreams(fileDescriptors);
    throw error;
  }
};
var getFinalFileDescriptor = ({
  fileDescriptor: { direction, objectMode, stdioItems },
  fileDescriptors,
  addProperties: addProperties3,
  options,
  isSync
}) => {
  const finalStdioItems = stdioItems.map((stdioItem) => addStreamProperties({
    stdioItem,
    addProperties: addProperties3,
    direction,
    options,
    fileDescriptors,
    isSync
  }));
  return { direction, objectMode, stdioItems: finalStdioItems };
};
var addStreamProperties = ({ stdioItem, addProperties: addProperties3, direction, options, fileDescriptors, isSync }) => {
  const duplicateStream = getDuplicateStream({
    stdioItem,
    direction,
    fileDescriptors,
    isSync
  });
  if (duplicateStream !== void 0) {
    return { ...stdioItem, stream: duplicateStream };
  }
  return {
    ...stdioItem,
    ...addProperties3[direction][stdioItem.type](stdioItem, options)
  };
};
var cleanupCustomStreams = (fileDescriptors) => {
  for (const { stdioItems } of fileDescriptors) {
    for (const { stream } of stdioItems) {
      if (stream !== void 0 && !isStandardStream(stream)) {
        stream.destroy();
      }
    }
  }
};
var forwardStdio = (stdioItems) => {
  if (stdioItems.length > 1) {
    return stdioItems.some(({ value: value2 }) => value2 === "overlapped") ? "overlapped" : "pipe";
  }
  const [{ type, value }] = stdioItems;
  return type === "native" ? value : "pipe";
};

// node_modules/execa/lib/stdio/handle-sync.js
var handleStdioSync = (options, verboseInfo) => handleStdio(addPropertiesSync, options, verboseInfo, true);
var forbiddenIfSync = ({ type, optionName }) => {
  throwInvalidSyncValue(optionName, TYPE_TO_MESSAGE[type]);
};
var forbiddenNativeIfSync = ({ optionName, value }) => {
  if (value === "ipc" || value === "overlapped") {
    throwInvalidSyncValue(optionName, `"${value}"`);
  }
  return {};
};
var throwInvalidSyncValue = (optionName, value) => {
  throw new TypeError(`The \`${optionName}\` option cannot be ${value} with synchronous methods.`);
};
var addProperties = {
  generator() {
  },
  asyncGenerator: forbiddenIfSync,
  webStream: forbiddenIfSync,
  nodeStream: forbiddenIfSync,
  webTransform: forbiddenIfSync,
  duplex: forbiddenIfSync,
  asyncIterable: forbiddenIfSync,
  native: forbiddenNativeIfSync
};
var addPropertiesSync = {
  input: {
    ...addProperties,
    fileUrl: ({ value }) => ({ contents: [bufferToUint8Array(readFileSync3(value))] }),
    filePath: ({ value: { file } }) => ({ contents: [bufferToUint8Array(readFileSync3(file))] }),
    fileNumber: forbiddenIfSync,
    iterable: ({ value }) => ({ contents: [...value] }),
    string: ({ value }) => ({ contents: [value] }),
    uint8Array: ({ value }) => ({ contents: [value] })
  },
  output: {
    ...addProperties,
    fileUrl: ({ value }) => ({ path: value }),
    filePath: ({ value: { file, append } }) => ({ path: file, append }),
    fileNumber: ({ value }) => ({ path: value }),
    iterable: forbiddenIfSync,
    string: forbiddenIfSync,
    uint8Array: forbiddenIfSync
  }
};

// node_modules/execa/lib/io/strip-newline.js
var stripNewline = (value, { stripFinalNewline: stripFinalNewline2 }, fdNumber) => getStripFinalNewline(stripFinalNewline2, fdNumber) && value !== void 0 && !Array.isArray(value) ? stripFinalNewline(value) : value;
var getStripFinalNewline = (stripFinalNewline2, fdNumber) => fdNumber === "all" ? stripFinalNewline2[1] || stripFinalNewline2[2] : stripFinalNewline2[fdNumber];

// node_modules/execa/lib/transform/generator.js
import { Transform, getDefaultHighWaterMark } from "node:stream";

// node_modules/execa/lib/transform/split.js
var getSplitLinesGenerator = (binary, preserveNewlines, skipped, state) => binary || skipped ? void 0 : initializeSplitLines(preserveNewlines, state);
var splitLinesSync = (chunk, preserveNewlines, objectMode) => objectMode ? chunk.flatMap((item) => splitLinesItemSync(item, preserveNewlines)) : splitLinesItemSync(chunk, preserveNewlines);
var splitLinesItemSync = (chunk, preserveNewlines) => {
  const { transform, final } = initializeSplitLines(preserveNewlines, {});
  return [...transform(chunk), ...final()];
};
var initializeSplitLines = (preserveNewlines, state) => {
  state.previousChunks = "";
  return {
    transform: splitGenerator.bind(void 0, state, preserveNewlines),
    final: linesFinal.bind(void 0, state)
  };
};
var splitGenerator = function* (state, preserveNewlines, chunk) {
  if (typeof chunk !== "string") {
    yield chunk;
    return;
  }
  let { previousChunks } = state;
  let start = -1;
  for (let end = 0; end < chunk.length; end += 1) {
    if (chunk[end] === "\n") {
      const newlineLength = getNewlineLength(chunk, end, preserveNewlines, state);
      let line = chunk.slice(start + 1, end + 1 - newlineLength);
      if (previousChunks.length > 0) {
        line = concatString(previousChunks, line);
        previousChunks = "";
      }
      yield line;
      start = end;
    }
  }
  if (start !== chunk.length - 1) {
    previousChunks = concatString(previousChunks, chunk.slice(start + 1));
  }
  state.previousChunks = previousChunks;
};
var getNewlineLength = (chunk, end, preserveNewlines, state) => {
  if (preserveNewlines) {
    return 0;
  }
  state.isWindowsNewline = end !== 0 && chunk[end - 1] === "\r";
  return state.isWindowsNewline ? 2 : 1;
};
var linesFinal = function* ({ previousChunks }) {
  if (previousChunks.length > 0) {
    yield previousChunks;
  }
};
var getAppendNewlineGenerator = ({ binary, preserveNewlines, readableObjectMode, state }) => binary || preserveNewlines || readableObjectMode ? void 0 : { transform: appendNewlineGenerator.bind(void 0, state) };
var appendNewlineGenerator = function* ({ isWindowsNewline = false }, chunk) {
  const { unixNewline, windowsNewline, LF: LF2, concatBytes } = typeof chunk === "string" ? linesStringInfo : linesUint8ArrayInfo;
  if (chunk.at(-1) === LF2) {
    yield chunk;
    return;
  }
  const newline = isWindowsNewline ? windowsNewline : unixNewline;
  yield concatBytes(chunk, newline);
};
var concatString = (firstChunk, secondChunk) => `${firstChunk}${secondChunk}`;
var linesStringInfo = {
  windowsNewline: "\r\n",
  unixNewline: "\n",
  LF: "\n",
  concatBytes: concatString
};
var concatUint8Array = (firstChunk, secondChunk) => {
  const chunk = new Uint8Array(firstChunk.length + secondChunk.length);
  chunk.set(firstChunk, 0);
  chunk.set(secondChunk, firstChunk.length);
  return chunk;
};
var linesUint8ArrayInfo = {
  windowsNewline: new Uint8Array([13, 10]),
  unixNewline: new Uint8Array([10]),
  LF: 10,
  concatBytes: concatUint8Array
};

// node_modules/execa/lib/transform/validate.js
import { Buffer as Buffer2 } from "node:buffer";
var getValidateTransformInput = (writableObjectMode, optionName) => writableObjectMode ? void 0 : validateStringTransformInput.bind(void 0, optionName);
var validateStringTransformInput = function* (optionName, chunk) {
  if (typeof chunk !== "string" && !isUint8Array(chunk) && !Buffer2.isBuffer(chunk)) {
    throw new TypeError(`The \`${optionName}\` option's transform must use "objectMode: true" to receive as input: ${typeof chunk}.`);
  }
  yield chunk;
};
var getValidateTransformReturn = (readableObjectMode, optionName) => readableObjectMode ? validateObjectTransformReturn.bind(void 0, optionName) : validateStringTransformReturn.bind(void 0, optionName);
var validateObjectTransformReturn = function* (optionName, chunk) {
  validateEmptyReturn(optionName, chunk);
  yield chunk;
};
var validateStringTransformReturn = function* (optionName, chunk) {
  validateEmptyReturn(optionName, chunk);
  if (typeof chunk !== "string" && !isUint8Array(chunk)) {
    throw new TypeError(`The \`${optionName}\` option's function must yield a string or an Uint8Array, not ${typeof chunk}.`);
  }
  yield chunk;
};
var validateEmptyReturn = (optionName, chunk) => {
  if (chunk === null || chunk === void 0) {
    throw new TypeError(`The \`${optionName}\` option's function must not call \`yield ${chunk}\`.
Instead, \`yield\` should either be called with a value, or not be called at all. For example:
  if (condition) { yield value; }`);
  }
};

// node_modules/execa/lib/transform/encoding-transform.js
import { Buffer as Buffer3 } from "node:buffer";
import { StringDecoder as StringDecoder2 } from "node:string_decoder";
var getEncodingTransformGenerator = (binary, encoding, skipped) => {
  if (skipped) {
    return;
  }
  if (binary) {
    return { transform: encodingUint8ArrayGenerator.bind(void 0, new TextEncoder()) };
  }
  const stringDecoder = new StringDecoder2(encoding);
  return {
    transform: encodingStringGenerator.bind(void 0, stringDecoder),
    final: encodingStringFinal.bind(void 0, stringDecoder)
  };
};
var encodingUint8ArrayGenerator = function* (textEncoder3, chunk) {
  if (Buffer3.isBuffer(chunk)) {
    yield bufferToUint8Array(chunk);
  } else if (typeof chunk === "string") {
    yield textEncoder3.encode(chunk);
  } else {
    yield chunk;
  }
};
var encodingStringGenerator = function* (stringDecoder, chunk) {
  yield isUint8Array(chunk) ? stringDecoder.write(chunk) : chunk;
};
var encodingStringFinal = function* (stringDecoder) {
  const lastChunk = stringDecoder.end();
  if (lastChunk !== "") {
    yield lastChunk;
  }
};

// node_modules/execa/lib/transform/run-async.js
import { callbackify } from "node:util";
var pushChunks = callbackify(async (getChunks, state, getChunksArguments, transformStream) => {
  state.currentIterable = getChunks(...getChunksArguments);
  try {
    for await (const chunk of state.currentIterable) {
      transformStream.push(chunk);
    }
  } finally {
    delete state.currentIterable;
  }
});
var transformChunk = async function* (chunk, generators2, index) {
  if (index === generators2.length) {
    yield chunk;
    return;
  }
  const { transform = identityGenerator } = generators2[index];
  for await (const transformedChunk of transform(chunk)) {
    yield* transformChunk(transformedChunk, generators2, index + 1);
  }
};
var finalChunks = async function* (generators2) {
  for (const [index, { final }] of Object.entries(generators2)) {
    yield* generatorFinalChunks(final, Number(index), generators2);
  }
};
var generatorFinalChunks = async function* (final, index, generators2) {
  if (final === void 0) {
    return;
  }
  for await (const finalChunk of final()) {
    yield* transformChunk(finalChunk, generators2, index + 1);
  }
};
var destroyTransform = callbackify(async ({ currentIterable }, error) => {
  if (currentIterable !== void 0) {
    await (error ? currentIterable.throw(error) : currentIterable.return());
    return;
  }
  if (error) {
    throw error;
  }
});
var identityGenerator = function* (chunk) {
  yield chunk;
};

// node_modules/execa/lib/transform/run-sync.js
var pushChunksSync = (getChunksSync, getChunksArguments, transformStream, done) => {
  try {
    for (const chunk of getChunksSync(...getChunksArguments)) {
      transformStream.push(chunk);
    }
    done();
  } catch (error) {
    done(error);
  }
};
var runTransformSync = (generators2, chunks) => [
  ...chunks.flatMap((chunk) => [...transformChunkSync(chunk, generators2, 0)]),
  ...finalChunksSync(generators2)
];
var transformChunkSync = function* (chunk, generators2, index) {
  if (index === generators2.length) {
    yield chunk;
    return;
  }
  const { transform = identityGenerator2 } = generators2[index];
  for (const transformedChunk of transform(chunk)) {
    yield* transformChunkSync(transformedChunk, generators2, index + 1);
  }
};
var finalChunksSync = function* (generators2) {
  for (const [index, { final }] of Object.entries(generators2)) {
    yield* generatorFinalChunksSync(final, Number(index), generators2);
  }
};
var generatorFinalChunksSync = function* (final, index, generators2) {
  if (final === void 0) {
    return;
  }
  for (const finalChunk of final()) {
    yield* transformChunkSync(finalChunk, generators2, index + 1);
  }
};
var identityGenerator2 = function* (chunk) {
  yield chunk;
};

// node_modules/execa/lib/transform/generator.js
var generatorToStream = ({
  value,
  value: { transform, final, writableObjectMode, readableObjectMode },
  optionName
}, { encoding }) => {
  const state = {};
  const generators2 = addInternalGenerators(value, encoding, optionName);
  const transformAsync = isAsyncGenerator(transform);
  const finalAsync = isAsyncGenerator(final);
  const transformMethod = transformAsync ? pushChunks.bind(void 0, transformChunk, state) : pushChunksSync.bind(void 0, transformChunkSync);
  const finalMethod = transformAsync || finalAsync ? pushChunks.bind(void 0, finalChunks, state) : pushChunksSync.bind(void 0, finalChunksSync);
  const destroyMethod = transformAsync || finalAsync ? destroyTransform.bind(void 0, state) : void 0;
  const stream = new Transform({
    writableObjectMode,
    writableHighWaterMark: getDefaultHighWaterMark(writableObjectMode),
    readableObjectMode,
    readableHighWaterMark: getDefaultHighWaterMark(readableObjectMode),
    transform(chunk, encoding2, done) {
      transformMethod([chunk, generators2, 0], this, done);
    },
    flush(done) {
      finalMethod([generators2], this, done);
    },
    destroy: destroyMethod
  });
  return { stream };
};
var runGeneratorsSync = (chunks, stdioItems, encoding, isInput) => {
  const generators2 = stdioItems.filter(({ type }) => type === "generator");
  const reversedGenerators = isInput ? generators2.reverse() : generators2;
  for (const { value, optionName } of reversedGenerators) {
    const generators3 = addInternalGenerators(value, encoding, optionName);
    chunks = runTransformSync(generators3, chunks);
  }
  return chunks;
};
var addInternalGenerators = ({ transform, final, binary, writableObjectMode, readableObjectMode, preserveNewlines }, encoding, optionName) => {
  const state = {};
  return [
    { transform: getValidateTransformInput(writableObjectMode, optionName) },
    getEncodingTransformGenerator(binary, encoding, writableObjectMode),
    getSplitLinesGenerator(binary, preserveNewlines, writableObjectMode, state),
    { transform, final },
    { transform: getValidateTransformReturn(readableObjectMode, optionName) },
    getAppendNewlineGenerator({
      binary,
      preserveNewlines,
      readableObjectMode,
      state
    })
  ].filter(Boolean);
};

// node_modules/execa/lib/io/input-sync.js
var addInputOptionsSync = (fileDescriptors, options) => {
  for (const fdNumber of getInputFdNumbers(fileDescriptors)) {
    addInputOptionSync(fileDescriptors, fdNumber, options);
  }
};
var getInputFdNumbers = (fileDescriptors) => new Set(Object.entries(fileDescriptors).filter(([, { direction }]) => direction === "input").map(([fdNumber]) => Number(fdNumber)));
var addInputOptionSync = (fileDescriptors, fdNumber, options) => {
  const { stdioItems } = fileDescriptors[fdNumber];
  const allStdioItems = stdioItems.filter(({ contents }) => contents !== void 0);
  if (allStdioItems.length === 0) {
    return;
  }
  if (fdNumber !== 0) {
    const [{ type, optionName }] = allStdioItems;
    throw new TypeError(`Only the \`stdin\` option, not \`${optionName}\`, can be ${TYPE_TO_MESSAGE[type]} with synchronous methods.`);
  }
  const allContents = allStdioItems.map(({ contents }) => contents);
  const transformedContents = allContents.map((contents) => applySingleInputGeneratorsSync(contents, stdioItems));
  options.input = joinToUint8Array(transformedContents);
};
var applySingleInputGeneratorsSync = (contents, stdioItems) => {
  const newContents = runGeneratorsSync(contents, stdioItems, "utf8", true);
  validateSerializable(newContents);
  return joinToUint8Array(newContents);
};
var validateSerializable = (newContents) => {
  const invalidItem = newContents.find((item) => typeof item !== "string" && !isUint8Array(item));
  if (invalidItem !== void 0) {
    throw new TypeError(`The \`stdin\` option is invalid: when passing objects as input, a transform must be used to serialize them to strings or Uint8Arrays: ${invalidItem}.`);
  }
};

// node_modules/execa/lib/io/output-sync.js
import { writeFileSync, appendFileSync } from "node:fs";

// node_modules/execa/lib/verbose/output.js
var shouldLogOutput = ({ stdioItems, encoding, verboseInfo, fdNumber }) => fdNumber !== "all" && isFullVerbose(verboseInfo, fdNumber) && !BINARY_ENCODINGS.has(encoding) && fdUsesVerbose(fdNumber) && (stdioItems.some(({ type, value }) => type === "native" && PIPED_STDIO_VALUES.has(value)) || stdioItems.every(({ type }) => TRANSFORM_TYPES.has(type)));
var fdUsesVerbose = (fdNumber) => fdNumber === 1 || fdNumber === 2;
var PIPED_STDIO_VALUES = /* @__PURE__ */ new Set(["pipe", "overlapped"]);
var logLines = async (linesIterable, stream, fdNumber, verboseInfo) => {
  for await (const line of linesIterable) {
    if (!isPipingStream(stream)) {
      logLine(line, fdNumber, verboseInfo);
    }
  }
};
var logLinesSync = (linesArray, fdNumber, verboseInfo) => {
  for (const line of linesArray) {
    logLine(line, fdNumber, verboseInfo);
  }
};
var isPipingStream = (stream) => stream._readableState.pipes.length > 0;
var logLine = (line, fdNumber, verboseInfo) => {
  const verboseMessage = serializeVerboseMessage(line);
  verboseLog({
    type: "output",
    verboseMessage,
    fdNumber,
    verboseInfo
  });
};

// node_modules/execa/lib/io/output-sync.js
var transformOutputSync = ({ fileDescriptors, syncResult: { output: output2 }, options, isMaxBuffer, verboseInfo }) => {
  if (output2 === null) {
    return { output: Array.from({ length: 3 }) };
  }
  const state = {};
  const outputFiles = /* @__PURE__ */ new Set([]);
  const transformedOutput = output2.map((result, fdNumber) => transformOutputResultSync({
    result,
    fileDescriptors,
    fdNumber,
    state,
    outputFiles,
    isMaxBuffer,
    verboseInfo
  }, options));
  return { output: transformedOutput, ...state };
};
var transformOutputResultSync = ({ result, fileDescriptors, fdNumber, state, outputFiles, isMaxBuffer, verboseInfo }, { buffer, encoding, lines, stripFinalNewline: stripFinalNewline2, maxBuffer }) => {
  if (result === null) {
    return;
  }
  const truncatedResult = truncateMaxBufferSync(result, isMaxBuffer, maxBuffer);
  const uint8ArrayResult = bufferToUint8Array(truncatedResult);
  const { stdioItems, objectMode } = fileDescriptors[fdNumber];
  const chunks = runOutputGeneratorsSync([uint8ArrayResult], stdioItems, encoding, state);
  const { serializedResult, finalResult = serializedResult } = serializeChunks({
    chunks,
    objectMode,
    encoding,
    lines,
    stripFinalNewline: stripFinalNewline2,
    fdNumber
  });
  logOutputSync({
    serializedResult,
    fdNumber,
    state,
    verboseInfo,
    encoding,
    stdioItems,
    objectMode
  });
  const returnedResult = buffer[fdNumber] ? finalResult : void 0;
  try {
    if (state.error === void 0) {
      writeToFiles(serializedResult, stdioItems, outputFiles);
    }
    return returnedResult;
  } catch (error) {
    state.error = error;
    return returnedResult;
  }
};
var runOutputGeneratorsSync = (chunks, stdioItems, encoding, state) => {
  try {
    return runGeneratorsSync(chunks, stdioItems, encoding, false);
  } catch (error) {
    state.error = error;
    return chunks;
  }
};
var serializeChunks = ({ chunks, objectMode, encoding, lines, stripFinalNewline: stripFinalNewline2, fdNumber }) => {
  if (objectMode) {
    return { serializedResult: chunks };
  }
  if (encoding === "buffer") {
    return { serializedResult: joinToUint8Array(chunks) };
  }
  const serializedResult = joinToString(chunks, encoding);
  if (lines[fdNumber]) {
    return { serializedResult, finalResult: splitLinesSync(serializedResult, !stripFinalNewline2[fdNumber], objectMode) };
  }
  return { serializedResult };
};
var logOutputSync = ({ serializedResult, fdNumber, state, verboseInfo, encoding, stdioItems, objectMode }) => {
  if (!shouldLogOutput({
    stdioItems,
    encoding,
    verboseInfo,
    fdNumber
  })) {
    return;
  }
  const linesArray = splitLinesSync(serializedResult, false, objectMode);
  try {
    logLinesSync(linesArray, fdNumber, verboseInfo);
  } catch (error) {
    state.error ??= error;
  }
};
var writeToFiles = (serializedResult, stdioItems, outputFiles) => {
  for (const { path: path35, append } of stdioItems.filter(({ type }) => FILE_TYPES.has(type))) {
    const pathString = typeof path35 === "string" ? path35 : path35.toString();
    if (append || outputFiles.has(pathString)) {
      appendFileSync(path35, serializedResult);
    } else {
      outputFiles.add(pathString);
      writeFileSync(path35, serializedResult);
    }
  }
};

// node_modules/execa/lib/resolve/all-sync.js
var getAllSync = ([, stdout, stderr], options) => {
  if (!options.all) {
    return;
  }
  if (stdout === void 0) {
    return stderr;
  }
  if (stderr === void 0) {
    return stdout;
  }
  if (Array.isArray(stdout)) {
    return Array.isArray(stderr) ? [...stdout, ...stderr] : [...stdout, stripNewline(stderr, options, "all")];
  }
  if (Array.isArray(stderr)) {
    return [stripNewline(stdout, options, "all"), ...stderr];
  }
  if (isUint8Array(stdout) && isUint8Array(stderr)) {
    return concatUint8Arrays([stdout, stderr]);
  }
  return `${stdout}${stderr}`;
};

// node_modules/execa/lib/resolve/exit-async.js
import { once as once4 } from "node:events";
var waitForExit = async (subprocess, context) => {
  const [exitCode, signal] = await waitForExitOrError(subprocess);
  context.isForcefullyTerminated ??= false;
  return [exitCode, signal];
};
var waitForExitOrError = async (subprocess) => {
  const [spawnPayload, exitPayload] = await Promise.allSettled([
    once4(subprocess, "spawn"),
    once4(subprocess, "exit")
  ]);
  if (spawnPayload.status === "rejected") {
    return [];
  }
  return exitPayload.status === "rejected" ? waitForSubprocessExit(subprocess) : exitPayload.value;
};
var waitForSubprocessExit = async (subprocess) => {
  try {
    return await once4(subprocess, "exit");
  } catch {
    return waitForSubprocessExit(subprocess);
  }
};
var waitForSuccessfulExit = async (exitPromise) => {
  const [exitCode, signal] = await exitPromise;
  if (!isSubprocessErrorExit(exitCode, signal) && isFailedExit(exitCode, signal)) {
    throw new DiscardedError();
  }
  return [exitCode, signal];
};
var isSubprocessErrorExit = (exitCode, signal) => exitCode === void 0 && signal === void 0;
var isFailedExit = (exitCode, signal) => exitCode !== 0 || signal !== null;

// node_modules/execa/lib/resolve/exit-sync.js
var getExitResultSync = ({ error, status: exitCode, signal, output: output2 }, { maxBuffer }) => {
  const resultError = getResultError(error, exitCode, signal);
  const timedOut = resultError?.code === "ETIMEDOUT";
  const isMaxBuffer = isMaxBufferSync(resultError, output2, maxBuffer);
  return {
    resultError,
    exitCode,
    signal,
    timedOut,
    isMaxBuffer
  };
};
var getResultError = (error, exitCode, signal) => {
  if (error !== void 0) {
    return error;
  }
  return isFailedExit(exitCode, signal) ? new DiscardedError() : void 0;
};

// node_modules/execa/lib/methods/main-sync.js
var execaCoreSync = (rawFile, rawArguments, rawOptions) => {
  const { file, commandArguments, command, escapedCommand, startTime, verboseInfo, options, fileDescriptors } = handleSyncArguments(rawFile, rawArguments, rawOptions);
  const result = spawnSubprocessSync({
    file,
    commandArguments,
    options,
    command,
    escapedCommand,
    verboseInfo,
    fileDescriptors,
    startTime
  });
  return handleResult(result, verboseInfo, options);
};
var handleSyncArguments = (rawFile, rawArguments, rawOptions) => {
  const { command, escapedCommand, startTime, verboseInfo } = handleCommand(rawFile, rawArguments, rawOptions);
  const syncOptions = normalizeSyncOptions(rawOptions);
  const { file, commandArguments, options } = normalizeOptions(rawFile, rawArguments, syncOptions);
  validateSyncOptions(options);
  const fileDescriptors = handleStdioSync(options, verboseInfo);
  return {
    file,
    commandArguments,
    command,
    escapedCommand,
    startTime,
    verboseInfo,
    options,
    fileDescriptors
  };
};
var normalizeSyncOptions = (options) => options.node && !options.ipc ? { ...options, ipc: false } : options;
var validateSyncOptions = ({ ipc, ipcInput, detached, cancelSignal }) => {
  if (ipcInput) {
    throwInvalidSyncOption("ipcInput");
  }
  if (ipc) {
    throwInvalidSyncOption("ipc: true");
  }
  if (detached) {
    throwInvalidSyncOption("detached: true");
  }
  if (cancelSignal) {
    throwInvalidSyncOption("cancelSignal");
  }
};
var throwInvalidSyncOption = (value) => {
  throw new TypeError(`The "${value}" option cannot be used with synchronous methods.`);
};
var spawnSubprocessSync = ({ file, commandArguments, options, command, escapedCommand, verboseInfo, fileDescriptors, startTime }) => {
  const syncResult = runSubprocessSync({
    file,
    commandArguments,
    options,
    command,
    escapedCommand,
    fileDescriptors,
    startTime
  });
  if (syncResult.failed) {
    return syncResult;
  }
  const { resultError, exitCode, signal, timedOut, isMaxBuffer } = getExitResultSync(syncResult, options);
  const { output: output2, error = resultError } = transformOutputSync({
    fileDescriptors,
    syncResult,
    options,
    isMaxBuffer,
    verboseInfo
  });
  const stdio = output2.map((stdioOutput, fdNumber) => stripNewline(stdioOutput, options, fdNumber));
  const all = stripNewline(getAllSync(output2, options), options, "all");
  return getSyncResult({
    error,
    exitCode,
    signal,
    timedOut,
    isMaxBuffer,
    stdio,
    all,
    options,
    command,
    escapedCommand,
    startTime
  });
};
var runSubprocessSync = ({ file, commandArguments, options, command, escapedCommand, fileDescriptors, startTime }) => {
  try {
    addInputOptionsSync(fileDescriptors, options);
    const normalizedOptions = normalizeSpawnSyncOptions(options);
    return spawnSync(...concatenateShell(file, commandArguments, normalizedOptions));
  } catch (error) {
    return makeEarlyError({
      error,
      command,
      escapedCommand,
      fileDescriptors,
      options,
      startTime,
      isSync: true
    });
  }
};
var normalizeSpawnSyncOptions = ({ encoding, maxBuffer, ...options }) => ({ ...options, encoding: "buffer", maxBuffer: getMaxBufferSync(maxBuffer) });
var getSyncResult = ({ error, exitCode, signal, timedOut, isMaxBuffer, stdio, all, options, command, escapedCommand, startTime }) => error === void 0 ? makeSuccessResult({
  command,
  escapedCommand,
  stdio,
  all,
  ipcOutput: [],
  options,
  startTime
}) : makeError({
  error,
  command,
  escapedCommand,
  timedOut,
  isCanceled: false,
  isGracefullyCanceled: false,
  isMaxBuffer,
  isForcefullyTerminated: false,
  exitCode,
  signal,
  stdio,
  all,
  ipcOutput: [],
  options,
  startTime,
  isSync: true
});

// node_modules/execa/lib/methods/main-async.js
import { setMaxListeners } from "node:events";
import { spawn } from "node:child_process";

// node_modules/execa/lib/ipc/methods.js
import process8 from "node:process";

// node_modules/execa/lib/ipc/get-one.js
import { once as once5, on as on2 } from "node:events";
var getOneMessage = ({ anyProcess, channel, isSubprocess, ipc }, { reference = true, filter } = {}) => {
  validateIpcMethod({
    methodName: "getOneMessage",
    isSubprocess,
    ipc,
    isConnected: isConnected(anyProcess)
  });
  return getOneMessageAsync({
    anyProcess,
    channel,
    isSubprocess,
    filter,
    reference
  });
};
var getOneMessageAsync = async ({ anyProcess, channel, isSubprocess, filter, reference }) => {
  addReference(channel, reference);
  const ipcEmitter = getIpcEmitter(anyProcess, channel, isSubprocess);
  const controller = new AbortController();
  try {
    return await Promise.race([
      getMessage(ipcEmitter, filter, controller),
      throwOnDisconnect2(ipcEmitter, isSubprocess, controller),
      throwOnStrictError(ipcEmitter, isSubprocess, controller)
    ]);
  } catch (error) {
    disconnect(anyProcess);
    throw error;
  } finally {
    controller.abort();
    removeReference(channel, reference);
  }
};
var getMessage = async (ipcEmitter, filter, { signal }) => {
  if (filter === void 0) {
    const [message] = await once5(ipcEmitter, "message", { signal });
    return message;
  }
  for await (const [message] of on2(ipcEmitter, "message", { signal })) {
    if (filter(message)) {
      return message;
    }
  }
};
var throwOnDisconnect2 = async (ipcEmitter, isSubprocess, { signal }) => {
  await once5(ipcEmitter, "disconnect", { signal });
  throwOnEarlyDisconnect(isSubprocess);
};
var throwOnStrictError = async (ipcEmitter, isSubprocess, { signal }) => {
  const [error] = await once5(ipcEmitter, "strict:error", { signal });
  throw getStrictResponseError(error, isSubprocess);
};

// node_modules/execa/lib/ipc/get-each.js
import { once as once6, on as on3 } from "node:events";
var getEachMessage = ({ anyProcess, channel, isSubprocess, ipc }, { reference = true } = {}) => loopOnMessages({
  anyProcess,
  channel,
  isSubprocess,
  ipc,
  shouldAwait: !isSubprocess,
  reference
});
var loopOnMessages = ({ anyProcess, channel, isSubprocess, ipc, shouldAwait, reference }) => {
  validateIpcMethod({
    methodName: "getEachMessage",
    isSubprocess,
    ipc,
    isConnected: isConnected(anyProcess)
  });
  addReference(channel, reference);
  const ipcEmitter = getIpcEmitter(anyProcess, channel, isSubprocess);
  const controller = new AbortController();
  const state = {};
  stopOnDisconnect(anyProcess, ipcEmitter, controller);
  abortOnStrictError({
    ipcEmitter,
    isSubprocess,
    controller,
    state
  });
  return iterateOnMessages({
    anyProcess,
    channel,
    ipcEmitter,
    isSubprocess,
    shouldAwait,
    controller,
    state,
    reference
  });
};
var stopOnDisconnect = async (anyProcess, ipcEmitter, controller) => {
  try {
    await once6(ipcEmitter, "disconnect", { signal: controller.signal });
    controller.abort();
  } catch {
  }
};
var abortOnStrictError = async ({ ipcEmitter, isSubprocess, controller, state }) => {
  try {
    const [error] = await once6(ipcEmitter, "strict:error", { signal: controller.signal });
    state.error = getStrictResponseError(error, isSubprocess);
    controller.abort();
  } catch {
  }
};
var iterateOnMessages = async function* ({ anyProcess, channel, ipcEmitter, isSubprocess, shouldAwait, controller, state, reference }) {
  try {
    for await (const [message] of on3(ipcEmitter, "message", { signal: controller.signal })) {
      throwIfStrictError(state);
      yield message;
    }
  } catch {
    throwIfStrictError(state);
  } finally {
    controller.abort();
    removeReference(channel, reference);
    if (!isSubprocess) {
      disconnect(anyProcess);
    }
    if (shouldAwait) {
      await anyProcess;
    }
  }
};
var throwIfStrictError = ({ error }) => {
  if (error) {
    throw error;
  }
};

// node_modules/execa/lib/ipc/methods.js
var addIpcMethods = (subprocess, { ipc }) => {
  Object.assign(subprocess, getIpcMethods(subprocess, false, ipc));
};
var getIpcExport = () => {
  const anyProcess = process8;
  const isSubprocess = true;
  const ipc = process8.channel !== void 0;
  return {
    ...getIpcMethods(anyProcess, isSubprocess, ipc),
    getCancelSignal: getCancelSignal.bind(void 0, {
      anyProcess,
      channel: anyProcess.channel,
      isSubprocess,
      ipc
    })
  };
};
var getIpcMethods = (anyProcess, isSubprocess, ipc) => ({
  sendMessage: sendMessage.bind(void 0, {
    anyProcess,
    channel: anyProcess.channel,
    isSubprocess,
    ipc
  }),
  getOneMessage: getOneMessage.bind(void 0, {
    anyProcess,
    channel: anyProcess.channel,
    isSubprocess,
    ipc
  }),
  getEachMessage: getEachMessage.bind(void 0, {
    anyProcess,
    channel: anyProcess.channel,
    isSubprocess,
    ipc
  })
});

// node_modules/execa/lib/return/early-error.js
import { ChildProcess as ChildProcess2 } from "node:child_process";
import {
  PassThrough,
  Readable,
  Writable,
  Duplex
} from "node:stream";
var handleEarlyError = ({ error, command, escapedCommand, fileDescriptors, options, startTime, verboseInfo }) => {
  cleanupCustomStreams(fileDescriptors);
  const subprocess = new ChildProcess2();
  createDummyStreams(subprocess, fileDescriptors);
  Object.assign(subprocess, { readable, writable, duplex });
  const earlyError = makeEarlyError({
    error,
    command,
    escapedCommand,
    fileDescriptors,
    options,
    startTime,
    isSync: false
  });
  const promise = handleDummyPromise(earlyError, verboseInfo, options);
  return { subprocess, promise };
};
var createDummyStreams = (subprocess, fileDescriptors) => {
  const stdin = createDummyStream();
  const stdout = createDummyStream();
  const stderr = createDummyStream();
  const extraStdio = Array.from({ length: fileDescriptors.length - 3 }, createDummyStream);
  const all = createDummyStream();
  const stdio = [stdin, stdout, stderr, ...extraStdio];
  Object.assign(subprocess, {
    stdin,
    stdout,
    stderr,
    all,
    stdio
  });
};
var createDummyStream = () => {
  const stream = new PassThrough();
  stream.end();
  return stream;
};
var readable = () => new Readable({ read() {
} });
var writable = () => new Writable({ write() {
} });
var duplex = () => new Duplex({ read() {
}, write() {
} });
var handleDummyPromise = async (error, verboseInfo, options) => handleResult(error, verboseInfo, options);

// node_modules/execa/lib/stdio/handle-async.js
import { createReadStream, createWriteStream } from "node:fs";
import { Buffer as Buffer4 } from "node:buffer";
import { Readable as Readable2, Writable as Writable2, Duplex as Duplex2 } from "node:stream";
var handleStdioAsync = (options, verboseInfo) => handleStdio(addPropertiesAsync, options, verboseInfo, false);
var forbiddenIfAsync = ({ type, optionName }) => {
  throw new TypeError(`The \`${optionName}\` option cannot be ${TYPE_TO_MESSAGE[type]}.`);
};
var addProperties2 = {
  fileNumber: forbiddenIfAsync,
  generator: generatorToStream,
  asyncGenerator: generatorToStream,
  nodeStream: ({ value }) => ({ stream: value }),
  webTransform({ value: { transform, writableObjectMode, readableObjectMode } }) {
    const objectMode = writableObjectMode || readableObjectMode;
    const stream = Duplex2.fromWeb(transform, { objectMode });
    return { stream };
  },
  duplex: ({ value: { transform } }) => ({ stream: transform }),
  native() {
  }
};
var addPropertiesAsync = {
  input: {
    ...addProperties2,
    fileUrl: ({ value }) => ({ stream: createReadStream(value) }),
    filePath: ({ value: { file } }) => ({ stream: createReadStream(file) }),
    webStream: ({ value }) => ({ stream: Readable2.fromWeb(value) }),
    iterable: ({ value }) => ({ stream: Readable2.from(value) }),
    asyncIterable: ({ value }) => ({ stream: Readable2.from(value) }),
    string: ({ value }) => ({ stream: Readable2.from(value) }),
    uint8Array: ({ value }) => ({ stream: Readable2.from(Buffer4.from(value)) })
  },
  output: {
    ...addProperties2,
    fileUrl: ({ value }) => ({ stream: createWriteStream(value) }),
    filePath: ({ value: { file, append } }) => ({ stream: createWriteStream(file, append ? { flags: "a" } : {}) }),
    webStream: ({ value }) => ({ stream: Writable2.fromWeb(value) }),
    iterable: forbiddenIfAsync,
    asyncIterable: forbiddenIfAsync,
    string: forbiddenIfAsync,
    uint8Array: forbiddenIfAsync
  }
};

// node_modules/@sindresorhus/merge-streams/index.js
import { on as on4, once as once7 } from "node:events";
import { PassThrough as PassThroughStream, getDefaultHighWaterMark as getDefaultHighWaterMark2 } from "node:stream";
import { finished as finished2 } from "node:stream/promises";
function mergeStreams(streams) {
  if (!Array.isArray(streams)) {
    throw new TypeError(`Expected an array, got \`${typeof streams}\`.`);
  }
  for (const stream of streams) {
    validateStream(stream);
  }
  const objectMode = streams.some(({ readableObjectMode }) => readableObjectMode);
  const highWaterMark = getHighWaterMark(streams, objectMode);
  const passThroughStream = new MergedStream({
    objectMode,
    writableHighWaterMark: highWaterMark,
    readableHighWaterMark: highWaterMark
  });
  for (const stream of streams) {
    passThroughStream.add(stream);
  }
  return passThroughStream;
}
var getHighWaterMark = (streams, objectMode) => {
  if (streams.length === 0) {
    return getDefaultHighWaterMark2(objectMode);
  }
  const highWaterMarks = streams.filter(({ readableObjectMode }) => readableObjectMode === objectMode).map(({ readableHighWaterMark }) => readableHighWaterMark);
  return Math.max(...highWaterMarks);
};
var MergedStream = class extends PassThroughStream {
  #streams = /* @__PURE__ */ new Set([]);
  #ended = /* @__PURE__ */ new Set([]);
  #aborted = /* @__PURE__ */ new Set([]);
  #onFinished;
  #unpipeEvent = /* @__PURE__ */ Symbol("unpipe");
  #streamPromises = /* @__PURE__ */ new WeakMap();
  add(stream) {
    validateStream(stream);
    if (this.#streams.has(stream)) {
      return;
    }
    this.#streams.add(stream);
    this.#onFinished ??= onMergedStreamFinished(this, this.#streams, this.#unpipeEvent);
    const streamPromise = endWhenStreamsDone({
      passThroughStream: this,
      stream,
      streams: this.#streams,
      ended: this.#ended,
      aborted: this.#aborted,
      onFinished: this.#onFinished,
      unpipeEvent: this.#unpipeEvent
    });
    this.#streamPromises.set(stream, streamPromise);
    stream.pipe(this, { end: false });
  }
  async remove(stream) {
    validateStream(stream);
    if (!this.#streams.has(stream)) {
      return false;
    }
    const streamPromise = this.#streamPromises.get(stream);
    if (streamPromise === void 0) {
      return false;
    }
    this.#streamPromises.delete(stream);
    stream.unpipe(this);
    await streamPromise;
    return true;
  }
};
var onMergedStreamFinished = async (passThroughStream, streams, unpipeEvent) => {
  updateMaxListeners(passThroughStream, PASSTHROUGH_LISTENERS_COUNT);
  const controller = new AbortController();
  try {
    await Promise.race([
      onMergedStreamEnd(passThroughStream, controller),
      onInputStreamsUnpipe(passThroughStream, streams, unpipeEvent, controller)
    ]);
  } finally {
    controller.abort();
    updateMaxListeners(passThroughStream, -PASSTHROUGH_LISTENERS_COUNT);
  }
};
var onMergedStreamEnd = async (passThroughStream, { signal }) => {
  try {
    await finished2(passThroughStream, { signal, cleanup: true });
  } catch (error) {
    errorOrAbortStream(passThroughStream, error);
    throw error;
  }
};
var onInputStreamsUnpipe = async (passThroughStream, streams, unpipeEvent, { signal }) => {
  for await (const [unpipedStream] of on4(passThroughStream, "unpipe", { signal })) {
    if (streams.has(unpipedStream)) {
      unpipedStream.emit(unpipeEvent);
    }
  }
};
var validateStream = (stream) => {
  if (typeof stream?.pipe !== "function") {
    throw new TypeError(`Expected a readable stream, got: \`${typeof stream}\`.`);
  }
};
var endWhenStreamsDone = async ({ passThroughStream, stream, streams, ended, aborted: aborted2, onFinished, unpipeEvent }) => {
  updateMaxListeners(passThroughStream, PASSTHROUGH_LISTENERS_PER_STREAM);
  const controller = new AbortController();
  try {
    await Promise.race([
      afterMergedStreamFinished(onFinished, stream, controller),
      onInputStreamEnd({
        passThroughStream,
        stream,
        streams,
        ended,
        aborted: aborted2,
        controller
      }),
      onInputStreamUnpipe({
        stream,
        streams,
        ended,
        aborted: aborted2,
        unpipeEvent,
        controller
      })
    ]);
  } finally {
    controller.abort();
    updateMaxListeners(passThroughStream, -PASSTHROUGH_LISTENERS_PER_STREAM);
  }
  if (streams.size > 0 && streams.size === ended.size + aborted2.size) {
    if (ended.size === 0 && aborted2.size > 0) {
      abortStream(passThroughStream);
    } else {
      endStream(passThroughStream);
    }
  }
};
var afterMergedStreamFinished = async (onFinished, stream, { signal }) => {
  try {
    await onFinished;
    if (!signal.aborted) {
      abortStream(stream);
    }
  } catch (error) {
    if (!signal.aborted) {
      errorOrAbortStream(stream, error);
    }
  }
};
var onInputStreamEnd = async ({ passThroughStream, stream, streams, ended, aborted: aborted2, controller: { signal } }) => {
  try {
    await finished2(stream, {
      signal,
      cleanup: true,
      readable: true,
      writable: false
    });
    if (streams.has(stream)) {
      ended.add(stream);
    }
  } catch (error) {
    if (signal.aborted || !streams.has(stream)) {
      return;
    }
    if (isAbortError(error)) {
      aborted2.add(stream);
    } else {
      errorStream(passThroughStream, error);
    }
  }
};
var onInputStreamUnpipe = async ({ stream, streams, ended, aborted: aborted2, unpipeEvent, controller: { signal } }) => {
  await once7(stream, unpipeEvent, { signal });
  if (!stream.readable) {
    return once7(signal, "abort", { signal });
  }
  streams.delete(stream);
  ended.delete(stream);
  aborted2.delete(stream);
};
var endStream = (stream) => {
  if (stream.writable) {
    stream.end();
  }
};
var errorOrAbortStream = (stream, error) => {
  if (isAbortError(error)) {
    abortStream(stream);
  } else {
    errorStream(stream, error);
  }
};
var isAbortError = (error) => error?.code === "ERR_STREAM_PREMATURE_CLOSE";
var abortStream = (stream) => {
  if (stream.readable || stream.writable) {
    stream.destroy();
  }
};
var errorStream = (stream, error) => {
  if (!stream.destroyed) {
    stream.once("error", noop2);
    stream.destroy(error);
  }
};
var noop2 = () => {
};
var updateMaxListeners = (passThroughStream, increment2) => {
  const maxListeners = passThroughStream.getMaxListeners();
  if (maxListeners !== 0 && maxListeners !== Number.POSITIVE_INFINITY) {
    passThroughStream.setMaxListeners(maxListeners + increment2);
  }
};
var PASSTHROUGH_LISTENERS_COUNT = 2;
var PASSTHROUGH_LISTENERS_PER_STREAM = 1;

// node_modules/execa/lib/io/pipeline.js
import { finished as finished3 } from "node:stream/promises";
var pipeStreams = (source, destination) => {
  source.pipe(destination);
  onSourceFinish(source, destination);
  onDestinationFinish(source, destination);
};
var onSourceFinish = async (source, destination) => {
  if (isStandardStream(source) || isStandardStream(destination)) {
    return;
  }
  try {
    await finished3(source, { cleanup: true, readable: true, writable: false });
  } catch {
  }
  endDestinationStream(destination);
};
var endDestinationStream = (destination) => {
  if (destination.writable) {
    destination.end();
  }
};
var onDestinationFinish = async (source, destination) => {
  if (isStandardStream(source) || isStandardStream(destination)) {
    return;
  }
  try {
    await finished3(destination, { cleanup: true, readable: false, writable: true });
  } catch {
  }
  abortSourceStream(source);
};
var abortSourceStream = (source) => {
  if (source.readable) {
    source.destroy();
  }
};

// node_modules/execa/lib/io/output-async.js
var pipeOutputAsync = (subprocess, fileDescriptors, controller) => {
  const pipeGroups = /* @__PURE__ */ new Map();
  for (const [fdNumber, { stdioItems, direction }] of Object.entries(fileDescriptors)) {
    for (const { stream } of stdioItems.filter(({ type }) => TRANSFORM_TYPES.has(type))) {
      pipeTransform(subprocess, stream, direction, fdNumber);
    }
    for (const { stream } of stdioItems.filter(({ type }) => !TRANSFORM_TYPES.has(type))) {
      pipeStdioItem({
        subprocess,
        stream,
        direction,
        fdNumber,
        pipeGroups,
        controller
      });
    }
  }
  for (const [outputStream, inputStreams] of pipeGroups.entries()) {
    const inputStream = inputStreams.length === 1 ? inputStreams[0] : mergeStreams(inputStreams);
    pipeStreams(inputStream, outputStream);
  }
};
var pipeTransform = (subprocess, stream, direction, fdNumber) => {
  if (direction === "output") {
    pipeStreams(subprocess.stdio[fdNumber], stream);
  } else {
    pipeStreams(stream, subprocess.stdio[fdNumber]);
  }
  const streamProperty = SUBPROCESS_STREAM_PROPERTIES[fdNumber];
  if (streamProperty !== void 0) {
    subprocess[streamProperty] = stream;
  }
  subprocess.stdio[fdNumber] = stream;
};
var SUBPROCESS_STREAM_PROPERTIES = ["stdin", "stdout", "stderr"];
var pipeStdioItem = ({ subprocess, stream, direction, fdNumber, pipeGroups, controller }) => {
  if (stream === void 0) {
    return;
  }
  setStandardStreamMaxListeners(stream, controller);
  const [inputStream, outputStream] = direction === "output" ? [stream, subprocess.stdio[fdNumber]] : [subprocess.stdio[fdNumber], stream];
  const outputStreams = pipeGroups.get(inputStream) ?? [];
  pipeGroups.set(inputStream, [...outputStreams, outputStream]);
};
var setStandardStreamMaxListeners = (stream, { signal }) => {
  if (isStandardStream(stream)) {
    incrementMaxListeners(stream, MAX_LISTENERS_INCREMENT, signal);
  }
};
var MAX_LISTENERS_INCREMENT = 2;

// node_modules/execa/lib/terminate/cleanup.js
import { addAbortListener as addAbortListener2 } from "node:events";

// node_modules/signal-exit/dist/mjs/signals.js
var signals = [];
signals.push("SIGHUP", "SIGINT", "SIGTERM");
if (process.platform !== "win32") {
  signals.push(
    "SIGALRM",
    "SIGABRT",
    "SIGVTALRM",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGUSR2",
    "SIGTRAP",
    "SIGSYS",
    "SIGQUIT",
    "SIGIOT"
    // should detect profiler and enable/disable accordingly.
    // see #21
    // 'SIGPROF'
  );
}
if (process.platform === "linux") {
  signals.push("SIGIO", "SIGPOLL", "SIGPWR", "SIGSTKFLT");
}

// node_modules/signal-exit/dist/mjs/index.js
var processOk = (process10) => !!process10 && typeof process10 === "object" && typeof process10.removeListener === "function" && typeof process10.emit === "function" && typeof process10.reallyExit === "function" && typeof process10.listeners === "function" && typeof process10.kill === "function" && typeof process10.pid === "number" && typeof process10.on === "function";
var kExitEmitter = /* @__PURE__ */ Symbol.for("signal-exit emitter");
var global2 = globalThis;
var ObjectDefineProperty = Object.defineProperty.bind(Object);
var Emitter = class {
  emitted = {
    afterExit: false,
    exit: false
  };
  listeners = {
    afterExit: [],
    exit: []
  };
  count = 0;
  id = Math.random();
  constructor() {
    if (global2[kExitEmitter]) {
      return global2[kExitEmitter];
    }
    ObjectDefineProperty(global2, kExitEmitter, {
      value: this,
      writable: false,
      enumerable: false,
      configurable: false
    });
  }
  on(ev, fn) {
    this.listeners[ev].push(fn);
  }
  removeListener(ev, fn) {
    const list = this.listeners[ev];
    const i2 = list.indexOf(fn);
    if (i2 === -1) {
      return;
    }
    if (i2 === 0 && list.length === 1) {
      list.length = 0;
    } else {
      list.splice(i2, 1);
    }
  }
  emit(ev, code, signal) {
    if (this.emitted[ev]) {
      return false;
    }
    this.emitted[ev] = true;
    let ret = false;
    for (const fn of this.listeners[ev]) {
      ret = fn(code, signal) === true || ret;
    }
    if (ev === "exit") {
      ret = this.emit("afterExit", code, signal) || ret;
    }
    return ret;
  }
};
var SignalExitBase = class {
};
var signalExitWrap = (handler2) => {
  return {
    onExit(cb, opts2) {
      return handler2.onExit(cb, opts2);
    },
    load() {
      return handler2.load();
    },
    unload() {
      return handler2.unload();
    }
  };
};
var SignalExitFallback = class extends SignalExitBase {
  onExit() {
    return () => {
    };
  }
  load() {
  }
  unload() {
  }
};
var SignalExit = class extends SignalExitBase {
  // "SIGHUP" throws an `ENOSYS` error on Windows,
  // so use a supported signal instead
  /* c8 ignore start */
  #hupSig = process9.platform === "win32" ? "SIGINT" : "SIGHUP";
  /* c8 ignore stop */
  #emitter = new Emitter();
  #process;
  #originalProcessEmit;
  #originalProcessReallyExit;
  #sigListeners = {};
  #loaded = false;
  constructor(process10) {
    super();
    this.#process = process10;
    this.#sigListeners = {};
    for (const sig of signals) {
      this.#sigListeners[sig] = () => {
        const listeners = this.#process.listeners(sig);
        let { count: count2 } = this.#emitter;
        const p = process10;
        if (typeof p.__signal_exit_emitter__ === "object" && typeof p.__signal_exit_emitter__.count === "number") {
          count2 += p.__signal_exit_emitter__.count;
        }
        if (listeners.length === count2) {
          this.unload();
          const ret = this.#emitter.emit("exit", null, sig);
          const s = sig === "SIGHUP" ? this.#hupSig : sig;
          if (!ret)
            process10.kill(process10.pid, s);
        }
      };
    }
    this.#originalProcessReallyExit = process10.reallyExit;
    this.#originalProcessEmit = process10.emit;
  }
  onExit(cb, opts2) {
    if (!processOk(this.#process)) {
      return () => {
      };
    }
    if (this.#loaded === false) {
      this.load();
    }
    const ev = opts2?.alwaysLast ? "afterExit" : "exit";
    this.#emitter.on(ev, cb);
    return () => {
      this.#emitter.removeListener(ev, cb);
      if (this.#emitter.listeners["exit"].length === 0 && this.#emitter.listeners["afterExit"].length === 0) {
        this.unload();
      }
    };
  }
  load() {
    if (this.#loaded) {
      return;
    }
    this.#loaded = true;
    this.#emitter.count += 1;
    for (const sig of signals) {
      try {
        const fn = this.#sigListeners[sig];
        if (fn)
          this.#process.on(sig, fn);
      } catch (_) {
      }
    }
    this.#process.emit = (ev, ...a2) => {
      return this.#processEmit(ev, ...a2);
    };
    this.#process.reallyExit = (code) => {
      return this.#processReallyExit(code);
    };
  }
  unload() {
    if (!this.#loaded) {
      return;
    }
    this.#loaded = false;
    signals.forEach((sig) => {
      const listener = this.#sigListeners[sig];
      if (!listener) {
        throw new Error("Listener not defined for signal: " + sig);
      }
      try {
        this.#process.removeListener(sig, listener);
      } catch (_) {
      }
    });
    this.#process.emit = this.#originalProcessEmit;
    this.#process.reallyExit = this.#originalProcessReallyExit;
    this.#emitter.count -= 1;
  }
  #processReallyExit(code) {
    if (!processOk(this.#process)) {
      return 0;
    }
    this.#process.exitCode = code || 0;
    this.#emitter.emit("exit", this.#process.exitCode, null);
    return this.#originalProcessReallyExit.call(this.#process, this.#process.exitCode);
  }
  #processEmit(ev, ...args) {
    const og = this.#originalProcessEmit;
    if (ev === "exit" && processOk(this.#process)) {
      if (typeof args[0] === "number") {
        this.#process.exitCode = args[0];
      }
      const ret = og.call(this.#process, ev, ...args);
      this.#emitter.emit("exit", this.#process.exitCode, null);
      return ret;
    } else {
      return og.call(this.#process, ev, ...args);
    }
  }
};
var process9 = globalThis.process;
var {
  /**
   * Called when the process is exiting, whether via signal, explicit
   * exit, or running out of stuff to do.
   *
   * If the global process object is not suitable for instrumentation,
   * then this will be a no-op.
   *
   * Returns a function that may be used to unload signal-exit.
   */
  onExit,
  /**
   * Load the listeners.  Likely you never need to call this, unless
   * doing a rather deep integration with signal-exit functionality.
   * Mostly exposed for the benefit of testing.
   *
   * @internal
   */
  load,
  /**
   * Unload the listeners.  Likely you never need to call this, unless
   * doing a rather deep integration with signal-exit functionality.
   * Mostly exposed for the benefit of testing.
   *
   * @internal
   */
  unload
} = signalExitWrap(processOk(process9) ? new SignalExit(process9) : new SignalExitFallback());

// node_modules/execa/lib/terminate/cleanup.js
var cleanupOnExit = (subprocess, { cleanup, detached }, { signal }) => {
  if (!cleanup || detached) {
    return;
  }
  const removeExitHandler = onExit(() => {
    subprocess.kill();
  });
  addAbortListener2(signal, () => {
    removeExitHandler();
  });
};

// node_modules/execa/lib/pipe/pipe-arguments.js
var normalizePipeArguments = ({ source, sourcePromise, boundOptions, createNested }, ...pipeArguments) => {
  const startTime = getStartTime();
  const {
    destination,
    destinationStream,
    destinationError,
    from,
    unpipeSignal
  } = getDestinationStream(boundOptions, createNested, pipeArguments);
  const { sourceStream, sourceError } = getSourceStream(source, from);
  const { options: sourceOptions, fileDescriptors } = SUBPROCESS_OPTIONS.get(source);
  return {
    sourcePromise,
    sourceStream,
    sourceOptions,
    sourceError,
    destination,
    destinationStream,
    destinationError,
    unpipeSignal,
    fileDescriptors,
    startTime
  };
};
var getDestinationStream = (boundOptions, createNested, pipeArguments) => {
  try {
    const {
      destination,
      pipeOptions: { from, to, unpipeSignal } = {}
    } = getDestination(boundOptions, createNested, ...pipeArguments);
    const destinationStream = getToStream(destination, to);
    return {
      destination,
      destinationStream,
      from,
      unpipeSignal
    };
  } catch (error) {
    return { destinationError: error };
  }
};
var getDestination = (boundOptions, createNested, firstArgument, ...pipeArguments) => {
  if (Array.isArray(firstArgument)) {
    const destination = createNested(mapDestinationArguments, boundOptions)(firstArgument, ...pipeArguments);
    return { destination, pipeOptions: boundOptions };
  }
  if (typeof firstArgument === "string" || firstArgument instanceof URL || isDenoExecPath(firstArgument)) {
    if (Object.keys(boundOptions).length > 0) {
      throw new TypeError('Please use .pipe("file", ..., options) or .pipe(execa("file", ..., options)) instead of .pipe(options)("file", ...).');
    }
    const [rawFile, rawArguments, rawOptions] = normalizeParameters(firstArgument, ...pipeArguments);
    const destination = createNested(mapDestinationArguments)(rawFile, rawArguments, rawOptions);
    return { destination, pipeOptions: rawOptions };
  }
  if (SUBPROCESS_OPTIONS.has(firstArgument)) {
    if (Object.keys(boundOptions).length > 0) {
      throw new TypeError("Please use .pipe(options)`command` or .pipe($(options)`command`) instead of .pipe(options)($`command`).");
    }
    return { destination: firstArgument, pipeOptions: pipeArguments[0] };
  }
  throw new TypeError(`The first argument must be a template string, an options object, or an Execa subprocess: ${firstArgument}`);
};
var mapDestinationArguments = ({ options }) => ({ options: { ...options, stdin: "pipe", piped: true } });
var getSourceStream = (source, from) => {
  try {
    const sourceStream = getFromStream(source, from);
    return { sourceStream };
  } catch (error) {
    return { sourceError: error };
  }
};

// node_modules/execa/lib/pipe/throw.js
var handlePipeArgumentsError = ({
  sourceStream,
  sourceError,
  destinationStream,
  destinationError,
  fileDescriptors,
  sourceOptions,
  startTime
}) => {
  const error = getPipeArgumentsError({
    sourceStream,
    sourceError,
    destinationStream,
    destinationError
  });
  if (error !== void 0) {
    throw createNonCommandError({
      error,
      fileDescriptors,
      sourceOptions,
      startTime
    });
  }
};
var getPipeArgumentsError = ({ sourceStream, sourceError, destinationStream, destinationError }) => {
  if (sourceError !== void 0 && destinationError !== void 0) {
    return destinationError;
  }
  if (destinationError !== void 0) {
    abortSourceStream(sourceStream);
    return destinationError;
  }
  if (sourceError !== void 0) {
    endDestinationStream(destinationStream);
    return sourceError;
  }
};
var createNonCommandError = ({ error, fileDescriptors, sourceOptions, startTime }) => makeEarlyError({
  error,
  command: PIPE_COMMAND_MESSAGE,
  escapedCommand: PIPE_COMMAND_MESSAGE,
  fileDescriptors,
  options: sourceOptions,
  startTime,
  isSync: false
});
var PIPE_COMMAND_MESSAGE = "source.pipe(destination)";

// node_modules/execa/lib/pipe/sequence.js
var waitForBothSubprocesses = async (subprocessPromises) => {
  const [
    { status: sourceStatus, reason: sourceReason, value: sourceResult = sourceReason },
    { status: destinationStatus, reason: destinationReason, value: destinationResult = destinationReason }
  ] = await subprocessPromises;
  if (!destinationResult.pipedFrom.includes(sourceResult)) {
    destinationResult.pipedFrom.push(sourceResult);
  }
  if (destinationStatus === "rejected") {
    throw destinationResult;
  }
  if (sourceStatus === "rejected") {
    throw sourceResult;
  }
  return destinationResult;
};

// node_modules/execa/lib/pipe/streaming.js
import { finished as finished4 } from "node:stream/promises";
var pipeSubprocessStream = (sourceStream, destinationStream, maxListenersController) => {
  const mergedStream = MERGED_STREAMS.has(destinationStream) ? pipeMoreSubprocessStream(sourceStream, destinationStream) : pipeFirstSubprocessStream(sourceStream, destinationStream);
  incrementMaxListeners(sourceStream, SOURCE_LISTENERS_PER_PIPE, maxListenersController.signal);
  incrementMaxListeners(destinationStream, DESTINATION_LISTENERS_PER_PIPE, maxListenersController.signal);
  cleanupMergedStreamsMap(destinationStream);
  return mergedStream;
};
var pipeFirstSubprocessStream = (sourceStream, destinationStream) => {
  const mergedStream = mergeStreams([sourceStream]);
  pipeStreams(mergedStream, destinationStream);
  MERGED_STREAMS.set(destinationStream, mergedStream);
  return mergedStream;
};
var pipeMoreSubprocessStream = (sourceStream, destinationStream) => {
  const mergedStream = MERGED_STREAMS.get(destinationStream);
  mergedStream.add(sourceStream);
  return mergedStream;
};
var cleanupMergedStreamsMap = async (destinationStream) => {
  try {
    await finished4(destinationStream, { cleanup: true, readable: false, writable: true });
  } catch {
  }
  MERGED_STREAMS.delete(destinationStream);
};
var MERGED_STREAMS = /* @__PURE__ */ new WeakMap();
var SOURCE_LISTENERS_PER_PIPE = 2;
var DESTINATION_LISTENERS_PER_PIPE = 1;

// node_modules/execa/lib/pipe/abort.js
import { aborted } from "node:util";
var unpipeOnAbort = (unpipeSignal, unpipeContext) => unpipeSignal === void 0 ? [] : [unpipeOnSignalAbort(unpipeSignal, unpipeContext)];
var unpipeOnSignalAbort = async (unpipeSignal, { sourceStream, mergedStream, fileDescriptors, sourceOptions, startTime }) => {
  await aborted(unpipeSignal, sourceStream);
  await mergedStream.remove(sourceStream);
  const error = new Error("Pipe canceled by `unpipeSignal` option.");
  throw createNonCommandError({
    error,
    fileDescriptors,
    sourceOptions,
    startTime
  });
};

// node_modules/execa/lib/pipe/setup.js
var pipeToSubprocess = (sourceInfo, ...pipeArguments) => {
  if (isPlainObject(pipeArguments[0])) {
    return pipeToSubprocess.bind(void 0, {
      ...sourceInfo,
      boundOptions: { ...sourceInfo.boundOptions, ...pipeArguments[0] }
    });
  }
  const { destination, ...normalizedInfo } = normalizePipeArguments(sourceInfo, ...pipeArguments);
  const promise = handlePipePromise({ ...normalizedInfo, destination });
  promise.pipe = pipeToSubprocess.bind(void 0, {
    ...sourceInfo,
    source: destination,
    sourcePromise: promise,
    boundOptions: {}
  });
  return promise;
};
var handlePipePromise = async ({
  sourcePromise,
  sourceStream,
  sourceOptions,
  sourceError,
  destination,
  destinationStream,
  destinationError,
  unpipeSignal,
  fileDescriptors,
  startTime
}) => {
  const subprocessPromises = getSubprocessPromises(sourcePromise, destination);
  handlePipeArgumentsError({
    sourceStream,
    sourceError,
    destinationStream,
    destinationError,
    fileDescriptors,
    sourceOptions,
    startTime
  });
  const maxListenersController = new AbortController();
  try {
    const mergedStream = pipeSubprocessStream(sourceStream, destinationStream, maxListenersController);
    return await Promise.race([
      waitForBothSubprocesses(subprocessPromises),
      ...unpipeOnAbort(unpipeSignal, {
        sourceStream,
        mergedStream,
        sourceOptions,
        fileDescriptors,
        startTime
      })
    ]);
  } finally {
    maxListenersController.abort();
  }
};
var getSubprocessPromises = (sourcePromise, destination) => Promise.allSettled([sourcePromise, destination]);

// node_modules/execa/lib/io/contents.js
import { setImmediate as setImmediate2 } from "node:timers/promises";

// node_modules/execa/lib/io/iterate.js
import { on as on5 } from "node:events";
import { getDefaultHighWaterMark as getDefaultHighWaterMark3 } from "node:stream";
var iterateOnSubprocessStream = ({ subprocessStdout, subprocess, binary, shouldEncode, encoding, preserveNewlines }) => {
  const controller = new AbortController();
  stopReadingOnExit(subprocess, controller);
  return iterateOnStream({
    stream: subprocessStdout,
    controller,
    binary,
    shouldEncode: !subprocessStdout.readableObjectMode && shouldEncode,
    encoding,
    shouldSplit: !subprocessStdout.readableObjectMode,
    preserveNewlines
  });
};
var stopReadingOnExit = async (subprocess, controller) => {
  try {
    await subprocess;
  } catch {
  } finally {
    controller.abort();
  }
};
var iterateForResult = ({ stream, onStreamEnd, lines, encoding, stripFinalNewline: stripFinalNewline2, allMixed }) => {
  const controller = new AbortController();
  stopReadingOnStreamEnd(onStreamEnd, controller, stream);
  const objectMode = stream.readableObjectMode && !allMixed;
  return iterateOnStream({
    stream,
    controller,
    binary: encoding === "buffer",
    shouldEncode: !objectMode,
    encoding,
    shouldSplit: !objectMode && lines,
    preserveNewlines: !stripFinalNewline2
  });
};
var stopReadingOnStreamEnd = async (onStreamEnd, controller, stream) => {
  try {
    await onStreamEnd;
  } catch {
    stream.destroy();
  } finally {
    controller.abort();
  }
};
var iterateOnStream = ({ stream, controller, binary, shouldEncode, encoding, shouldSplit, preserveNewlines }) => {
  const onStdoutChunk = on5(stream, "data", {
    signal: controller.signal,
    highWaterMark: HIGH_WATER_MARK,
    // Backward compatibility with older name for this option
    // See https://github.com/nodejs/node/pull/52080#discussion_r1525227861
    // @todo Remove after removing support for Node 21
    highWatermark: HIGH_WATER_MARK
  });
  return iterateOnData({
    onStdoutChunk,
    controller,
    binary,
    shouldEncode,
    encoding,
    shouldSplit,
    preserveNewlines
  });
};
var DEFAULT_OBJECT_HIGH_WATER_MARK = getDefaultHighWaterMark3(true);
var HIGH_WATER_MARK = DEFAULT_OBJECT_HIGH_WATER_MARK;
var iterateOnData = async function* ({ onStdoutChunk, controller, binary, shouldEncode, encoding, shouldSplit, preserveNewlines }) {
  const generators2 = getGenerators({
    binary,
    shouldEncode,
    encoding,
    shouldSplit,
    preserveNewlines
  });
  try {
    for await (const [chunk] of onStdoutChunk) {
      yield* transformChunkSync(chunk, generators2, 0);
    }
  } catch (error) {
    if (!controller.signal.aborted) {
      throw error;
    }
  } finally {
    yield* finalChunksSync(generators2);
  }
};
var getGenerators = ({ binary, shouldEncode, encoding, shouldSplit, preserveNewlines }) => [
  getEncodingTransformGenerator(binary, encoding, !shouldEncode),
  getSplitLinesGenerator(binary, preserveNewlines, !shouldSplit, {})
].filter(Boolean);

// node_modules/execa/lib/io/contents.js
var getStreamOutput = async ({ stream, onStreamEnd, fdNumber, encoding, buffer, maxBuffer, lines, allMixed, stripFinalNewline: stripFinalNewline2, verboseInfo, streamInfo }) => {
  const logPromise = logOutputAsync({
    stream,
    onStreamEnd,
    fdNumber,
    encoding,
    allMixed,
    verboseInfo,
    streamInfo
  });
  if (!buffer) {
    await Promise.all([resumeStream(stream), logPromise]);
    return;
  }
  const stripFinalNewlineValue = getStripFinalNewline(stripFinalNewline2, fdNumber);
  const iterable = iterateForResult({
    stream,
    onStreamEnd,
    lines,
    encoding,
    stripFinalNewline: stripFinalNewlineValue,
    allMixed
  });
  const [output2] = await Promise.all([
    getStreamContents2({
      stream,
      iterable,
      fdNumber,
      encoding,
      maxBuffer,
      lines
    }),
    logPromise
  ]);
  return output2;
};
var logOutputAsync = async ({ stream, onStreamEnd, fdNumber, encoding, allMixed, verboseInfo, streamInfo: { fileDescriptors } }) => {
  if (!shouldLogOutput({
    stdioItems: fileDescriptors[fdNumber]?.stdioItems,
    encoding,
    verboseInfo,
    fdNumber
  })) {
    return;
  }
  const linesIterable = iterateForResult({
    stream,
    onStreamEnd,
    lines: true,
    encoding,
    stripFinalNewline: true,
    allMixed
  });
  await logLines(linesIterable, stream, fdNumber, verboseInfo);
};
var resumeStream = async (stream) => {
  await setImmediate2();
  if (stream.readableFlowing === null) {
    stream.resume();
  }
};
var getStreamContents2 = async ({ stream, stream: { readableObjectMode }, iterable, fdNumber, encoding, maxBuffer, lines }) => {
  try {
    if (readableObjectMode || lines) {
      return await getStreamAsArray(iterable, { maxBuffer });
    }
    if (encoding === "buffer") {
      return new Uint8Array(await getStreamAsArrayBuffer(iterable, { maxBuffer }));
    }
    return await getStreamAsString(iterable, { maxBuffer });
  } catch (error) {
    return handleBufferedData(handleMaxBuffer({
      error,
      stream,
      readableObjectMode,
      lines,
      encoding,
      fdNumber
    }));
  }
};
var getBufferedData = async (streamPromise) => {
  try {
    return await streamPromise;
  } catch (error) {
    return handleBufferedData(error);
  }
};
var handleBufferedData = ({ bufferedData }) => isArrayBuffer(bufferedData) ? new Uint8Array(bufferedData) : bufferedData;

// node_modules/execa/lib/resolve/wait-stream.js
import { finished as finished5 } from "node:stream/promises";
var waitForStream = async (stream, fdNumber, streamInfo, { isSameDirection, stopOnExit = false } = {}) => {
  const state = handleStdinDestroy(stream, streamInfo);
  const abortController = new AbortController();
  try {
    await Promise.race([
      ...stopOnExit ? [streamInfo.exitPromise] : [],
      finished5(stream, { cleanup: true, signal: abortController.signal })
    ]);
  } catch (error) {
    if (!state.stdinCleanedUp) {
      handleStreamError(error, fdNumber, streamInfo, isSameDirection);
    }
  } finally {
    abortController.abort();
  }
};
var handleStdinDestroy = (stream, { originalStreams: [originalStdin], subprocess }) => {
  const state = { stdinCleanedUp: false };
  if (stream === originalStdin) {
    spyOnStdinDestroy(stream, subprocess, state);
  }
  return state;
};
var spyOnStdinDestroy = (subprocessStdin, subprocess, state) => {
  const { _destroy } = subprocessStdin;
  subprocessStdin._destroy = (...destroyArguments) => {
    setStdinCleanedUp(subprocess, state);
    _destroy.call(subprocessStdin, ...destroyArguments);
  };
};
var setStdinCleanedUp = ({ exitCode, signalCode }, state) => {
  if (exitCode !== null || signalCode !== null) {
    state.stdinCleanedUp = true;
  }
};
var handleStreamError = (error, fdNumber, streamInfo, isSameDirection) => {
  if (!shouldIgnoreStreamError(error, fdNumber, streamInfo, isSameDirection)) {
    throw error;
  }
};
var shouldIgnoreStreamError = (error, fdNumber, streamInfo, isSameDirection = true) => {
  if (streamInfo.propagating) {
    return isStreamEpipe(error) || isStreamAbort(error);
  }
  streamInfo.propagating = true;
  return isInputFileDescriptor(streamInfo, fdNumber) === isSameDirection ? isStreamEpipe(error) : isStreamAbort(error);
};
var isInputFileDescriptor = ({ fileDescriptors }, fdNumber) => fdNumber !== "all" && fileDescriptors[fdNumber].direction === "input";
var isStreamAbort = (error) => error?.code === "ERR_STREAM_PREMATURE_CLOSE";
var isStreamEpipe = (error) => error?.code === "EPIPE";

// node_modules/execa/lib/resolve/stdio.js
var waitForStdioStreams = ({ subprocess, encoding, buffer, maxBuffer, lines, stripFinalNewline: stripFinalNewline2, verboseInfo, streamInfo }) => subprocess.stdio.map((stream, fdNumber) => waitForSubprocessStream({
  stream,
  fdNumber,
  encoding,
  buffer: buffer[fdNumber],
  maxBuffer: maxBuffer[fdNumber],
  lines: lines[fdNumber],
  allMixed: false,
  stripFinalNewline: stripFinalNewline2,
  verboseInfo,
  streamInfo
}));
var waitForSubprocessStream = async ({ stream, fdNumber, encoding, buffer, maxBuffer, lines, allMixed, stripFinalNewline: stripFinalNewline2, verboseInfo, streamInfo }) => {
  if (!stream) {
    return;
  }
  const onStreamEnd = waitForStream(stream, fdNumber, streamInfo);
  if (isInputFileDescriptor(streamInfo, fdNumber)) {
    await onStreamEnd;
    return;
  }
  const [output2] = await Promise.all([
    getStreamOutput({
      stream,
      onStreamEnd,
      fdNumber,
      encoding,
      buffer,
      maxBuffer,
      lines,
      allMixed,
      stripFinalNewline: stripFinalNewline2,
      verboseInfo,
      streamInfo
    }),
    onStreamEnd
  ]);
  return output2;
};

// node_modules/execa/lib/resolve/all-async.js
var makeAllStream = ({ stdout, stderr }, { all }) => all && (stdout || stderr) ? mergeStreams([stdout, stderr].filter(Boolean)) : void 0;
var waitForAllStream = ({ subprocess, encoding, buffer, maxBuffer, lines, stripFinalNewline: stripFinalNewline2, verboseInfo, streamInfo }) => waitForSubprocessStream({
  ...getAllStream(subprocess, buffer),
  fdNumber: "all",
  encoding,
  maxBuffer: maxBuffer[1] + maxBuffer[2],
  lines: lines[1] || lines[2],
  allMixed: getAllMixed(subprocess),
  stripFinalNewline: stripFinalNewline2,
  verboseInfo,
  streamInfo
});
var getAllStream = ({ stdout, stderr, all }, [, bufferStdout, bufferStderr]) => {
  const buffer = bufferStdout || bufferStderr;
  if (!buffer) {
    return { stream: all, buffer };
  }
  if (!bufferStdout) {
    return { stream: stderr, buffer };
  }
  if (!bufferStderr) {
    return { stream: stdout, buffer };
  }
  return { stream: all, buffer };
};
var getAllMixed = ({ all, stdout, stderr }) => all && stdout && stderr && stdout.readableObjectMode !== stderr.readableObjectMode;

// node_modules/execa/lib/resolve/wait-subprocess.js
import { once as once8 } from "node:events";

// node_modules/execa/lib/verbose/ipc.js
var shouldLogIpc = (verboseInfo) => isFullVerbose(verboseInfo, "ipc");
var logIpcOutput = (message, verboseInfo) => {
  const verboseMessage = serializeVerboseMessage(message);
  verboseLog({
    type: "ipc",
    verboseMessage,
    fdNumber: "ipc",
    verboseInfo
  });
};

// node_modules/execa/lib/ipc/buffer-messages.js
var waitForIpcOutput = async ({
  subprocess,
  buffer: bufferArray,
  maxBuffer: maxBufferArray,
  ipc,
  ipcOutput,
  verboseInfo
}) => {
  if (!ipc) {
    return ipcOutput;
  }
  const isVerbose2 = shouldLogIpc(verboseInfo);
  const buffer = getFdSpecificValue(bufferArray, "ipc");
  const maxBuffer = getFdSpecificValue(maxBufferArray, "ipc");
  for await (const message of loopOnMessages({
    anyProcess: subprocess,
    channel: subprocess.channel,
    isSubprocess: false,
    ipc,
    shouldAwait: false,
    reference: true
  })) {
    if (buffer) {
      checkIpcMaxBuffer(subprocess, ipcOutput, maxBuffer);
      ipcOutput.push(message);
    }
    if (isVerbose2) {
      logIpcOutput(message, verboseInfo);
    }
  }
  return ipcOutput;
};
var getBufferedIpcOutput = async (ipcOutputPromise, ipcOutput) => {
  await Promise.allSettled([ipcOutputPromise]);
  return ipcOutput;
};

// node_modules/execa/lib/resolve/wait-subprocess.js
var waitForSubprocessResult = async ({
  subprocess,
  options: {
    encoding,
    buffer,
    maxBuffer,
    lines,
    timeoutDuration: timeout,
    cancelSignal,
    gracefulCancel,
    forceKillAfterDelay,
    stripFinalNewline: stripFinalNewline2,
    ipc,
    ipcInput
  },
  context,
  verboseInfo,
  fileDescriptors,
  originalStreams,
  onInternalError,
  controller
}) => {
  const exitPromise = waitForExit(subprocess, context);
  const streamInfo = {
    originalStreams,
    fileDescriptors,
    subprocess,
    exitPromise,
    propagating: false
  };
  const stdioPromises = waitForStdioStreams({
    subprocess,
    encoding,
    buffer,
    maxBuffer,
    lines,
    stripFinalNewline: stripFinalNewline2,
    verboseInfo,
    streamInfo
  });
  const allPromise = waitForAllStream({
    subprocess,
    encoding,
    buffer,
    maxBuffer,
    lines,
    stripFinalNewline: stripFinalNewline2,
    verboseInfo,
    streamInfo
  });
  const ipcOutput = [];
  const ipcOutputPromise = waitForIpcOutput({
    subprocess,
    buffer,
    maxBuffer,
    ipc,
    ipcOutput,
    verboseInfo
  });
  const originalPromises = waitForOriginalStreams(originalStreams, subprocess, streamInfo);
  const customStreamsEndPromises = waitForCustomStreamsEnd(fileDescriptors, streamInfo);
  try {
    return await Promise.race([
      Promise.all([
        {},
        waitForSuccessfulExit(exitPromise),
        Promise.all(stdioPromises),
        allPromise,
        ipcOutputPromise,
        sendIpcInput(subprocess, ipcInput),
        ...originalPromises,
        ...customStreamsEndPromises
      ]),
      onInternalError,
      throwOnSubprocessError(subprocess, controller),
      ...throwOnTimeout(subprocess, timeout, context, controller),
      ...throwOnCancel({
        subprocess,
        cancelSignal,
        gracefulCancel,
        context,
        controller
      }),
      ...throwOnGracefulCancel({
        subprocess,
        cancelSignal,
        gracefulCancel,
        forceKillAfterDelay,
        context,
        controller
      })
    ]);
  } catch (error) {
    context.terminationReason ??= "other";
    return Promise.all([
      { error },
      exitPromise,
      Promise.all(stdioPromises.map((stdioPromise) => getBufferedData(stdioPromise))),
      getBufferedData(allPromise),
      getBufferedIpcOutput(ipcOutputPromise, ipcOutput),
      Promise.allSettled(originalPromises),
      Promise.allSettled(customStreamsEndPromises)
    ]);
  }
};
var waitForOriginalStreams = (originalStreams, subprocess, streamInfo) => originalStreams.map((stream, fdNumber) => stream === subprocess.stdio[fdNumber] ? void 0 : waitForStream(stream, fdNumber, streamInfo));
var waitForCustomStreamsEnd = (fileDescriptors, streamInfo) => fileDescriptors.flatMap(({ stdioItems }, fdNumber) => stdioItems.filter(({ value, stream = value }) => isStream(stream, { checkOpen: false }) && !isStandardStream(stream)).map(({ type, value, stream = value }) => waitForStream(stream, fdNumber, streamInfo, {
  isSameDirection: TRANSFORM_TYPES.has(type),
  stopOnExit: type === "native"
})));
var throwOnSubprocessError = async (subprocess, { signal }) => {
  const [error] = await once8(subprocess, "error", { signal });
  throw error;
};

// node_modules/execa/lib/convert/concurrent.js
var initializeConcurrentStreams = () => ({
  readableDestroy: /* @__PURE__ */ new WeakMap(),
  writableFinal: /* @__PURE__ */ new WeakMap(),
  writableDestroy: /* @__PURE__ */ new WeakMap()
});
var addConcurrentStream = (concurrentStreams, stream, waitName) => {
  const weakMap = concurrentStreams[waitName];
  if (!weakMap.has(stream)) {
    weakMap.set(stream, []);
  }
  const promises = weakMap.get(stream);
  const promise = createDeferred();
  promises.push(promise);
  const resolve2 = promise.resolve.bind(promise);
  return { resolve: resolve2, promises };
};
var waitForConcurrentStreams = async ({ resolve: resolve2, promises }, subprocess) => {
  resolve2();
  const [isSubprocessExit] = await Promise.race([
    Promise.allSettled([true, subprocess]),
    Promise.all([false, ...promises])
  ]);
  return !isSubprocessExit;
};

// node_modules/execa/lib/convert/readable.js
import { Readable as Readable3 } from "node:stream";
import { callbackify as callbackify2 } from "node:util";

// node_modules/execa/lib/convert/shared.js
import { finished as finished6 } from "node:stream/promises";
var safeWaitForSubprocessStdin = async (subprocessStdin) => {
  if (subprocessStdin === void 0) {
    return;
  }
  try {
    await waitForSubprocessStdin(subprocessStdin);
  } catch {
  }
};
var safeWaitForSubprocessStdout = async (subprocessStdout) => {
  if (subprocessStdout === void 0) {
    return;
  }
  try {
    await waitForSubprocessStdout(subprocessStdout);
  } catch {
  }
};
var waitForSubprocessStdin = async (subprocessStdin) => {
  await finished6(subprocessStdin, { cleanup: true, readable: false, writable: true });
};
var waitForSubprocessStdout = async (subprocessStdout) => {
  await finished6(subprocessStdout, { cleanup: true, readable: true, writable: false });
};
var waitForSubprocess = async (subprocess, error) => {
  await subprocess;
  if (error) {
    throw error;
  }
};
var destroyOtherStream = (stream, isOpen, error) => {
  if (error && !isStreamAbort(error)) {
    stream.destroy(error);
  } else if (isOpen) {
    stream.destroy();
  }
};

// node_modules/execa/lib/convert/readable.js
var createReadable = ({ subprocess, concurrentStreams, encoding }, { from, binary: binaryOption = true, preserveNewlines = true } = {}) => {
  const binary = binaryOption || BINARY_ENCODINGS.has(encoding);
  const { subprocessStdout, waitReadableDestroy } = getSubprocessStdout(subprocess, from, concurrentStreams);
  const { readableEncoding, readableObjectMode, readableHighWaterMark } = getReadableOptions(subprocessStdout, binary);
  const { read, onStdoutDataDone } = getReadableMethods({
    subprocessStdout,
    subprocess,
    binary,
    encoding,
    preserveNewlines
  });
  const readable2 = new Readable3({
    read,
    destroy: callbackify2(onReadableDestroy.bind(void 0, { subprocessStdout, subprocess, waitReadableDestroy })),
    highWaterMark: readableHighWaterMark,
    objectMode: readableObjectMode,
    encoding: readableEncoding
  });
  onStdoutFinished({
    subprocessStdout,
    onStdoutDataDone,
    readable: readable2,
    subprocess
  });
  return readable2;
};
var getSubprocessStdout = (subprocess, from, concurrentStreams) => {
  const subprocessStdout = getFromStream(subprocess, from);
  const waitReadableDestroy = addConcurrentStream(concurrentStreams, subprocessStdout, "readableDestroy");
  return { subprocessStdout, waitReadableDestroy };
};
var getReadableOptions = ({ readableEncoding, readableObjectMode, readableHighWaterMark }, binary) => binary ? { readableEncoding, readableObjectMode, readableHighWaterMark } : { readableEncoding, readableObjectMode: true, readableHighWaterMark: DEFAULT_OBJECT_HIGH_WATER_MARK };
var getReadableMethods = ({ subprocessStdout, subprocess, binary, encoding, preserveNewlines }) => {
  const onStdoutDataDone = createDeferred();
  const onStdoutData = iterateOnSubprocessStream({
    subprocessStdout,
    subprocess,
    binary,
    shouldEncode: !binary,
    encoding,
    preserveNewlines
  });
  return {
    read() {
      onRead(this, onStdoutData, onStdoutDataDone);
    },
    onStdoutDataDone
  };
};
var onRead = async (readable2, onStdoutData, onStdoutDataDone) => {
  try {
    const { value, done } = await onStdoutData.next();
    if (done) {
      onStdoutDataDone.resolve();
    } else {
      readable2.push(value);
    }
  } catch {
  }
};
var onStdoutFinished = async ({ subprocessStdout, onStdoutDataDone, readable: readable2, subprocess, subprocessStdin }) => {
  try {
    await waitForSubprocessStdout(subprocessStdout);
    await subprocess;
    await safeWaitForSubprocessStdin(subprocessStdin);
    await onStdoutDataDone;
    if (readable2.readable) {
      readable2.push(null);
    }
  } catch (error) {
    await safeWaitForSubprocessStdin(subprocessStdin);
    destroyOtherReadable(readable2, error);
  }
};
var onReadableDestroy = async ({ subprocessStdout, subprocess, waitReadableDestroy }, error) => {
  if (await waitForConcurrentStreams(waitReadableDestroy, subprocess)) {
    destroyOtherReadable(subprocessStdout, error);
    await waitForSubprocess(subprocess, error);
  }
};
var destroyOtherReadable = (stream, error) => {
  destroyOtherStream(stream, stream.readable, error);
};

// node_modules/execa/lib/convert/writable.js
import { Writable as Writable3 } from "node:stream";
import { callbackify as callbackify3 } from "node:util";
var createWritable = ({ subprocess, concurrentStreams }, { to } = {}) => {
  const { subprocessStdin, waitWritableFinal, waitWritableDestroy } = getSubprocessStdin(subprocess, to, concurrentStreams);
  const writable2 = new Writable3({
    ...getWritableMethods(subprocessStdin, subprocess, waitWritableFinal),
    destroy: callbackify3(onWritableDestroy.bind(void 0, {
      subprocessStdin,
      subprocess,
      waitWritableFinal,
      waitWritableDestroy
    })),
    highWaterMark: subprocessStdin.writableHighWaterMark,
    objectMode: subprocessStdin.writableObjectMode
  });
  onStdinFinished(subprocessStdin, writable2);
  return writable2;
};
var getSubprocessStdin = (subprocess, to, concurrentStreams) => {
  const subprocessStdin = getToStream(subprocess, to);
  const waitWritableFinal = addConcurrentStream(concurrentStreams, subprocessStdin, "writableFinal");
  const waitWritableDestroy = addConcurrentStream(concurrentStreams, subprocessStdin, "writableDestroy");
  return { subprocessStdin, waitWritableFinal, waitWritableDestroy };
};
var getWritableMethods = (subprocessStdin, subprocess, waitWritableFinal) => ({
  write: onWrite.bind(void 0, subprocessStdin),
  final: callbackify3(onWritableFinal.bind(void 0, subprocessStdin, subprocess, waitWritableFinal))
});
var onWrite = (subprocessStdin, chunk, encoding, done) => {
  if (subprocessStdin.write(chunk, encoding)) {
    done();
  } else {
    subprocessStdin.once("drain", done);
  }
};
var onWritableFinal = async (subprocessStdin, subprocess, waitWritableFinal) => {
  if (await waitForConcurrentStreams(waitWritableFinal, subprocess)) {
    if (subprocessStdin.writable) {
      subprocessStdin.end();
    }
    await subprocess;
  }
};
var onStdinFinished = async (subprocessStdin, writable2, subprocessStdout) => {
  try {
    await waitForSubprocessStdin(subprocessStdin);
    if (writable2.writable) {
      writable2.end();
    }
  } catch (error) {
    await safeWaitForSubprocessStdout(subprocessStdout);
    destroyOtherWritable(writable2, error);
  }
};
var onWritableDestroy = async ({ subprocessStdin, subprocess, waitWritableFinal, waitWritableDestroy }, error) => {
  await waitForConcurrentStreams(waitWritableFinal, subprocess);
  if (await waitForConcurrentStreams(waitWritableDestroy, subprocess)) {
    destroyOtherWritable(subprocessStdin, error);
    await waitForSubprocess(subprocess, error);
  }
};
var destroyOtherWritable = (stream, error) => {
  destroyOtherStream(stream, stream.writable, error);
};

// node_modules/execa/lib/convert/duplex.js
import { Duplex as Duplex3 } from "node:stream";
import { callbackify as callbackify4 } from "node:util";
var createDuplex = ({ subprocess, concurrentStreams, encoding }, { from, to, binary: binaryOption = true, preserveNewlines = true } = {}) => {
  const binary = binaryOption || BINARY_ENCODINGS.has(encoding);
  const { subprocessStdout, waitReadableDestroy } = getSubprocessStdout(subprocess, from, concurrentStreams);
  const { subprocessStdin, waitWritableFinal, waitWritableDestroy } = getSubprocessStdin(subprocess, to, concurrentStreams);
  const { readableEncoding, readableObjectMode, readableHighWaterMark } = getReadableOptions(subprocessStdout, binary);
  const { read, onStdoutDataDone } = getReadableMethods({
    subprocessStdout,
    subprocess,
    binary,
    encoding,
    preserveNewlines
  });
  const duplex2 = new Duplex3({
    read,
    ...getWritableMethods(subprocessStdin, subprocess, waitWritableFinal),
    destroy: callbackify4(onDuplexDestroy.bind(void 0, {
      subprocessStdout,
      subprocessStdin,
      subprocess,
      waitReadableDestroy,
      waitWritableFinal,
      waitWritableDestroy
    })),
    readableHighWaterMark,
    writableHighWaterMark: subprocessStdin.writableHighWaterMark,
    readableObjectMode,
    writableObjectMode: subprocessStdin.writableObjectMode,
    encoding: readableEncoding
  });
  onStdoutFinished({
    subprocessStdout,
    onStdoutDataDone,
    readable: duplex2,
    subprocess,
    subprocessStdin
  });
  onStdinFinished(subprocessStdin, duplex2, subprocessStdout);
  return duplex2;
};
var onDuplexDestroy = async ({ subprocessStdout, subprocessStdin, subprocess, waitReadableDestroy, waitWritableFinal, waitWritableDestroy }, error) => {
  await Promise.all([
    onReadableDestroy({ subprocessStdout, subprocess, waitReadableDestroy }, error),
    onWritableDestroy({
      subprocessStdin,
      subprocess,
      waitWritableFinal,
      waitWritableDestroy
    }, error)
  ]);
};

// node_modules/execa/lib/convert/iterable.js
var createIterable = (subprocess, encoding, {
  from,
  binary: binaryOption = false,
  preserveNewlines = false
} = {}) => {
  const binary = binaryOption || BINARY_ENCODINGS.has(encoding);
  const subprocessStdout = getFromStream(subprocess, from);
  const onStdoutData = iterateOnSubprocessStream({
    subprocessStdout,
    subprocess,
    binary,
    shouldEncode: true,
    encoding,
    preserveNewlines
  });
  return iterateOnStdoutData(onStdoutData, subprocessStdout, subprocess);
};
var iterateOnStdoutData = async function* (onStdoutData, subprocessStdout, subprocess) {
  try {
    yield* onStdoutData;
  } finally {
    if (subprocessStdout.readable) {
      subprocessStdout.destroy();
    }
    await subprocess;
  }
};

// node_modules/execa/lib/convert/add.js
var addConvertedStreams = (subprocess, { encoding }) => {
  const concurrentStreams = initializeConcurrentStreams();
  subprocess.readable = createReadable.bind(void 0, { subprocess, concurrentStreams, encoding });
  subprocess.writable = createWritable.bind(void 0, { subprocess, concurrentStreams });
  subprocess.duplex = createDuplex.bind(void 0, { subprocess, concurrentStreams, encoding });
  subprocess.iterable = createIterable.bind(void 0, subprocess, encoding);
  subprocess[Symbol.asyncIterator] = createIterable.bind(void 0, subprocess, encoding, {});
};

// node_modules/execa/lib/methods/promise.js
var mergePromise = (subprocess, promise) => {
  for (const [property, descriptor] of descriptors) {
    const value = descriptor.value.bind(promise);
    Reflect.defineProperty(subprocess, property, { ...descriptor, value });
  }
};
var nativePromisePrototype = (async () => {
})().constructor.prototype;
var descriptors = ["then", "catch", "finally"].map((property) => [
  property,
  Reflect.getOwnPropertyDescriptor(nativePromisePrototype, property)
]);

// node_modules/execa/lib/methods/main-async.js
var execaCoreAsync = (rawFile, rawArguments, rawOptions, createNested) => {
  const { file, commandArguments, command, escapedCommand, startTime, verboseInfo, options, fileDescriptors } = handleAsyncArguments(rawFile, rawArguments, rawOptions);
  const { subprocess, promise } = spawnSubprocessAsync({
    file,
    commandArguments,
    options,
    startTime,
    verboseInfo,
    command,
    escapedCommand,
    fileDescriptors
  });
  subprocess.pipe = pipeToSubprocess.bind(void 0, {
    source: subprocess,
    sourcePromise: promise,
    boundOptions: {},
    createNested
  });
  mergePromise(subprocess, promise);
  SUBPROCESS_OPTIONS.set(subprocess, { options, fileDescriptors });
  return subprocess;
};
var handleAsyncArguments = (rawFile, rawArguments, rawOptions) => {
  const { command, escapedCommand, startTime, verboseInfo } = handleCommand(rawFile, rawArguments, rawOptions);
  const { file, commandArguments, options: normalizedOptions } = normalizeOptions(rawFile, rawArguments, rawOptions);
  const options = handleAsyncOptions(normalizedOptions);
  const fileDescriptors = handleStdioAsync(options, verboseInfo);
  return {
    file,
    commandArguments,
    command,
    escapedCommand,
    startTime,
    verboseInfo,
    options,
    fileDescriptors
  };
};
var handleAsyncOptions = ({ timeout, signal, ...options }) => {
  if (signal !== void 0) {
    throw new TypeError('The "signal" option has been renamed to "cancelSignal" instead.');
  }
  return { ...options, timeoutDuration: timeout };
};
var spawnSubprocessAsync = ({ file, commandArguments, options, startTime, verboseInfo, command, escapedCommand, fileDescriptors }) => {
  let subprocess;
  try {
    subprocess = spawn(...concatenateShell(file, commandArguments, options));
  } catch (error) {
    return handleEarlyError({
      error,
      command,
      escapedCommand,
      fileDescriptors,
      options,
      startTime,
      verboseInfo
    });
  }
  const controller = new AbortController();
  setMaxListeners(Number.POSITIVE_INFINITY, controller.signal);
  const originalStreams = [...subprocess.stdio];
  pipeOutputAsync(subprocess, fileDescriptors, controller);
  cleanupOnExit(subprocess, options, controller);
  const context = {};
  const onInternalError = createDeferred();
  subprocess.kill = subprocessKill.bind(void 0, {
    kill: subprocess.kill.bind(subprocess),
    options,
    onInternalError,
    context,
    controller
  });
  subprocess.all = makeAllStream(subprocess, options);
  addConvertedStreams(subprocess, options);
  addIpcMethods(subprocess, options);
  const promise = handlePromise({
    subprocess,
    options,
    startTime,
    verboseInfo,
    fileDescriptors,
    originalStreams,
    command,
    escapedCommand,
    context,
    onInternalError,
    controller
  });
  return { subprocess, promise };
};
var handlePromise = async ({ subprocess, options, startTime, verboseInfo, fileDescriptors, originalStreams, command, escapedCommand, context, onInternalError, controller }) => {
  const [
    errorInfo,
    [exitCode, signal],
    stdioResults,
    allResult,
    ipcOutput
  ] = await waitForSubprocessResult({
    subprocess,
    options,
    context,
    verboseInfo,
    fileDescriptors,
    originalStreams,
    onInternalError,
    controller
  });
  controller.abort();
  onInternalError.resolve();
  const stdio = stdioResults.map((stdioResult, fdNumber) => stripNewline(stdioResult, options, fdNumber));
  const all = stripNewline(allResult, options, "all");
  const result = getAsyncResult({
    errorInfo,
    exitCode,
    signal,
    stdio,
    all,
    ipcOutput,
    context,
    options,
    command,
    escapedCommand,
    startTime
  });
  return handleResult(result, verboseInfo, options);
};
var getAsyncResult = ({ errorInfo, exitCode, signal, stdio, all, ipcOutput, context, options, command, escapedCommand, startTime }) => "error" in errorInfo ? makeError({
  error: errorInfo.error,
  command,
  escapedCommand,
  timedOut: context.terminationReason === "timeout",
  isCanceled: context.terminationReason === "cancel" || context.terminationReason === "gracefulCancel",
  isGracefullyCanceled: context.terminationReason === "gracefulCancel",
  isMaxBuffer: errorInfo.error instanceof MaxBufferError,
  isForcefullyTerminated: context.isForcefullyTerminated,
  exitCode,
  signal,
  stdio,
  all,
  ipcOutput,
  options,
  startTime,
  isSync: false
}) : makeSuccessResult({
  command,
  escapedCommand,
  stdio,
  all,
  ipcOutput,
  options,
  startTime
});

// node_modules/execa/lib/methods/bind.js
var mergeOptions = (boundOptions, options) => {
  const newOptions = Object.fromEntries(
    Object.entries(options).map(([optionName, optionValue]) => [
      optionName,
      mergeOption(optionName, boundOptions[optionName], optionValue)
    ])
  );
  return { ...boundOptions, ...newOptions };
};
var mergeOption = (optionName, boundOptionValue, optionValue) => {
  if (DEEP_OPTIONS.has(optionName) && isPlainObject(boundOptionValue) && isPlainObject(optionValue)) {
    return { ...boundOptionValue, ...optionValue };
  }
  return optionValue;
};
var DEEP_OPTIONS = /* @__PURE__ */ new Set(["env", ...FD_SPECIFIC_OPTIONS]);

// node_modules/execa/lib/methods/create.js
var createExeca = (mapArguments, boundOptions, deepOptions, setBoundExeca) => {
  const createNested = (mapArguments2, boundOptions2, setBoundExeca2) => createExeca(mapArguments2, boundOptions2, deepOptions, setBoundExeca2);
  const boundExeca = (...execaArguments) => callBoundExeca({
    mapArguments,
    deepOptions,
    boundOptions,
    setBoundExeca,
    createNested
  }, ...execaArguments);
  if (setBoundExeca !== void 0) {
    setBoundExeca(boundExeca, createNested, boundOptions);
  }
  return boundExeca;
};
var callBoundExeca = ({ mapArguments, deepOptions = {}, boundOptions = {}, setBoundExeca, createNested }, firstArgument, ...nextArguments) => {
  if (isPlainObject(firstArgument)) {
    return createNested(mapArguments, mergeOptions(boundOptions, firstArgument), setBoundExeca);
  }
  const { file, commandArguments, options, isSync } = parseArguments({
    mapArguments,
    firstArgument,
    nextArguments,
    deepOptions,
    boundOptions
  });
  return isSync ? execaCoreSync(file, commandArguments, options) : execaCoreAsync(file, commandArguments, options, createNested);
};
var parseArguments = ({ mapArguments, firstArgument, nextArguments, deepOptions, boundOptions }) => {
  const callArguments = isTemplateString(firstArgument) ? parseTemplates(firstArgument, nextArguments) : [firstArgument, ...nextArguments];
  const [initialFile, initialArguments, initialOptions] = normalizeParameters(...callArguments);
  const mergedOptions = mergeOptions(mergeOptions(deepOptions, boundOptions), initialOptions);
  const {
    file = initialFile,
    commandArguments = initialArguments,
    options = mergedOptions,
    isSync = false
  } = mapArguments({ file: initialFile, commandArguments: initialArguments, options: mergedOptions });
  return {
    file,
    commandArguments,
    options,
    isSync
  };
};

// node_modules/execa/lib/methods/command.js
var mapCommandAsync = ({ file, commandArguments }) => parseCommand(file, commandArguments);
var mapCommandSync = ({ file, commandArguments }) => ({ ...parseCommand(file, commandArguments), isSync: true });
var parseCommand = (command, unusedArguments) => {
  if (unusedArguments.length > 0) {
    throw new TypeError(`The command and its arguments must be passed as a single string: ${command} ${unusedArguments}.`);
  }
  const [file, ...commandArguments] = parseCommandString(command);
  return { file, commandArguments };
};
var parseCommandString = (command) => {
  if (typeof command !== "string") {
    throw new TypeError(`The command must be a string: ${String(command)}.`);
  }
  const trimmedCommand = command.trim();
  if (trimmedCommand === "") {
    return [];
  }
  const tokens = [];
  for (const token of trimmedCommand.split(SPACES_REGEXP)) {
    const previousToken = tokens.at(-1);
    if (previousToken && previousToken.endsWith("\\")) {
      tokens[tokens.length - 1] = `${previousToken.slice(0, -1)} ${token}`;
    } else {
      tokens.push(token);
    }
  }
  return tokens;
};
var SPACES_REGEXP = / +/g;

// node_modules/execa/lib/methods/script.js
var setScriptSync = (boundExeca, createNested, boundOptions) => {
  boundExeca.sync = createNested(mapScriptSync, boundOptions);
  boundExeca.s = boundExeca.sync;
};
var mapScriptAsync = ({ options }) => getScriptOptions(options);
var mapScriptSync = ({ options }) => ({ ...getScriptOptions(options), isSync: true });
var getScriptOptions = (options) => ({ options: { ...getScriptStdinOption(options), ...options } });
var getScriptStdinOption = ({ input: input2, inputFile, stdio }) => input2 === void 0 && inputFile === void 0 && stdio === void 0 ? { stdin: "inherit" } : {};
var deepScriptOptions = { preferLocal: true };

// node_modules/execa/index.js
var execa = createExeca(() => ({}));
var execaSync = createExeca(() => ({ isSync: true }));
var execaCommand = createExeca(mapCommandAsync);
var execaCommandSync = createExeca(mapCommandSync);
var execaNode = createExeca(mapNode);
var $ = createExeca(mapScriptAsync, {}, deepScriptOptions, setScriptSync);
var {
  sendMessage: sendMessage2,
  getOneMessage: getOneMessage2,
  getEachMessage: getEachMessage2,
  getCancelSignal: getCancelSignal2
} = getIpcExport();

// src/rmtree.ts
import { chmodSync, lstatSync, readdirSync, rmdirSync, unlinkSync } from "node:fs";
import path6 from "node:path";
async function removeTree(dir) {
  try {
    await execa("find", [path6.resolve(dir), "-type", "d", "!", "-perm", "-u=rwx", "-exec", "chmod", "u+rwx", "{}", "+"], {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
      reject: false
    });
    await execa("rm", ["-rf", "--", dir], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    return;
  } catch {
  }
  removeTreeSync(dir);
}
function removeTreeSync(dir) {
  const slash = Buffer.from("/");
  const remove = (d) => {
    try {
      chmodSync(d, 448);
    } catch {
    }
    for (const e of readdirSync(d, { withFileTypes: true, encoding: "buffer" })) {
      const p = Buffer.concat([d, slash, e.name]);
      if (e.isDirectory()) remove(p);
      else unlinkSync(p);
    }
    rmdirSync(d);
  };
  try {
    const st = lstatSync(dir);
    if (!st.isDirectory()) {
      unlinkSync(dir);
      return;
    }
    remove(Buffer.from(dir));
  } catch (err) {
    if (err.code !== "ENOENT") throw err;
  }
}

// src/lifetime.ts
var TMP_PREFIX = ".imgsmith-tmp-";
var OWNER_FILE = ".imgsmith-owner";
var INTERRUPT_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];
function procStat(pid) {
  try {
    const s = readFileSync4(`/proc/${pid}/stat`, "latin1");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { state: f[0], ppid: Number(f[1]), start: f[19] };
  } catch {
    return void 0;
  }
}
function bootId() {
  try {
    return readFileSync4("/proc/sys/kernel/random/boot_id", "latin1").trim();
  } catch {
    return "";
  }
}
function selfOwner() {
  return { pid: process.pid, start: procStat("self")?.start ?? "", boot: bootId(), host: os2.hostname() };
}
function ownerAlive(o2) {
  if (o2.host !== os2.hostname()) return true;
  if (o2.boot !== bootId()) return false;
  const st = procStat(o2.pid);
  return st !== void 0 && st.start === o2.start && st.state !== "Z" && st.state !== "X";
}
async function readOwner(dir) {
  try {
    const o2 = JSON.parse(await fsp.readFile(path7.join(dir, OWNER_FILE), "utf8"));
    if (typeof o2.pid === "number" && typeof o2.start === "string" && typeof o2.boot === "string" && typeof o2.host === "string") {
      return o2;
    }
  } catch {
  }
  return void 0;
}
async function removeStaleTempDirs(outDir) {
  const removed = [];
  let names;
  try {
    names = await fsp.readdir(outDir);
  } catch {
    return removed;
  }
  for (const n2 of names.filter((x) => x.startsWith(TMP_PREFIX)).sort()) {
    const dir = path7.join(outDir, n2);
    const owner = await readOwner(dir);
    if (!owner || ownerAlive(owner)) continue;
    await removeTree(dir).catch(() => void 0);
    removed.push(dir);
  }
  return removed;
}
var tempDirs = /* @__PURE__ */ new Set();
async function makeTempDir(parent, prefix) {
  const dir = await fsp.mkdtemp(path7.join(parent, `${prefix}${process.pid}-`));
  tempDirs.add(dir);
  control(`+ ${dir}`);
  try {
    await fsp.writeFile(path7.join(dir, OWNER_FILE), JSON.stringify(selfOwner()) + "\n");
  } catch (err) {
    await removeTempDir(dir);
    throw err;
  }
  return dir;
}
async function removeTempDir(dir) {
  await removeTree(dir).catch(() => void 0);
  tempDirs.delete(dir);
  control(`- ${dir}`);
}
function cleanupSync() {
  killDescendantsSync();
  for (const d of tempDirs) {
    try {
      removeTreeSync(d);
    } catch {
    }
    control(`- ${d}`);
  }
  tempDirs.clear();
}
function descendants(root) {
  const children = /* @__PURE__ */ new Map();
  let entries;
  try {
    entries = readdirSync2("/proc");
  } catch {
    return [];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const st = procStat(Number(e));
    if (!st) continue;
    const list = children.get(st.ppid) ?? [];
    list.push(Number(e));
    children.set(st.ppid, list);
  }
  const out = [];
  const queue = [root];
  while (queue.length) {
    for (const c3 of children.get(queue.shift()) ?? []) {
      out.push(c3);
      queue.push(c3);
    }
  }
  return out;
}
function killDescendantsSync() {
  const pids = descendants(process.pid);
  for (const p of pids) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
    }
  }
  const alive = (p) => {
    const st = procStat(p);
    return st !== void 0 && st.state !== "Z" && st.state !== "X";
  };
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (let i2 = 0; i2 < 200 && pids.some(alive); i2++) Atomics.wait(nap, 0, 0, 10);
}
var stderrSink = {
  write: (s) => void process.stderr.write(s),
  get isTTY() {
    return process.stderr.isTTY === true;
  },
  get columns() {
    return process.stderr.columns;
  }
};
var errOut = stderrSink;
var controlFd;
var worker = false;
var initialPpid = 0;
function control(line) {
  if (controlFd === void 0) return;
  try {
    writeSync(controlFd, line + "\n");
  } catch {
  }
}
function parentGone() {
  return worker && process.ppid !== initialPpid;
}
function abandon() {
  cleanupSync();
  try {
    errOut.write(`imgsmith: the imgsmith process (pid ${initialPpid}) is gone; stopped, nothing was published
`);
  } catch {
  }
  process.exit(1);
}
function initProcess() {
  process.on("SIGXFSZ", () => {
  });
  if (process.env.IMGSMITH_WORKER !== "1" || worker) return;
  delete process.env.IMGSMITH_WORKER;
  worker = true;
  initialPpid = process.ppid;
  if (tty3.isatty(3)) {
    const s = new tty3.WriteStream(3);
    errOut = { write: (x) => void s.write(x), isTTY: true, get columns() {
      return s.columns;
    } };
  } else {
    errOut = {
      write: (x) => {
        try {
          writeSync(3, x);
        } catch {
        }
      },
      isTTY: false
    };
  }
  controlFd = 4;
  try {
    const sock = new net.Socket({ fd: 4, readable: true, writable: false });
    sock.on("end", abandon).on("close", abandon).on("error", () => {
    });
    sock.resume();
    sock.unref();
  } catch {
    controlFd = void 0;
  }
  setInterval(() => {
    if (parentGone()) abandon();
  }, 250).unref();
}
var publishing = false;
var pending;
var interruptMessage = (sig) => `imgsmith: interrupted by ${sig}`;
var onInterruptJson;
function interrupt(sig, published = false) {
  cleanupSync();
  const msg = interruptMessage(sig, published);
  onInterruptJson?.(sig, msg);
  errOut.write(`${msg}
`);
  process.exit(signalExitCode(sig));
}
var handler = (sig) => {
  if (publishing) pending ??= sig;
  else interrupt(sig);
};
function onInterrupt(message, json) {
  interruptMessage = message;
  onInterruptJson = json;
  for (const s of INTERRUPT_SIGNALS) process.on(s, handler);
  return () => {
    for (const s of INTERRUPT_SIGNALS) process.off(s, handler);
  };
}
async function whilePublishing(fn) {
  if (parentGone()) abandon();
  publishing = true;
  let done = false;
  try {
    const r = await fn();
    done = true;
    return r;
  } finally {
    publishing = false;
    if (pending) interrupt(pending, done);
  }
}
async function testHook(point, event) {
  const spec = process.env.IMGSMITH_TEST_HOOK;
  if (!spec) return;
  const [what, at, secs] = spec.split(":");
  if (at !== point) return;
  if (what === "hold") {
    const child = execa("sleep", [secs ?? "3600"], { reject: false, stdin: "ignore" });
    event("test-hold", { point, pid: child.pid });
    await child;
  } else if (what === "oom") {
    const keep = [];
    for (; ; ) keep.push(new Array(1 << 16).fill(keep.length));
  }
}

// src/publish.ts
import { promises as fsp3 } from "node:fs";
import path8 from "node:path";

// src/input-file.ts
import { constants as fsc, promises as fsp2 } from "node:fs";
function fileKind(st) {
  if (st.isFile()) return "a regular file";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isDirectory()) return "a directory";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}
var NotRegularFileError = class extends Error {
  kind;
  constructor(file, kind) {
    super(`${file} is ${kind}, not a regular file`);
    this.kind = kind;
  }
};
async function readRegularText(file) {
  const fh = await fsp2.open(file, fsc.O_RDONLY | fsc.O_NONBLOCK | fsc.O_NOCTTY);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotRegularFileError(file, fileKind(st));
    return await fh.readFile("utf8");
  } finally {
    await fh.close();
  }
}

// src/publish.ts
var NIX_SUPPORT_FILES = /* @__PURE__ */ new Set(["hydra-build-products", "system"]);
async function lstatOrUndefined(p) {
  try {
    return await fsp3.lstat(p);
  } catch (err) {
    if (err.code === "ENOENT") return void 0;
    throw err;
  }
}
async function isOurNixSupport(dir) {
  let names;
  try {
    names = await fsp3.readdir(dir);
  } catch {
    return false;
  }
  for (const n2 of names) {
    if (!NIX_SUPPORT_FILES.has(n2)) return false;
    if (!(await lstatOrUndefined(path8.join(dir, n2)))?.isFile()) return false;
  }
  return true;
}
async function checkReplaceable(from, to, fromDir) {
  const st = await lstatOrUndefined(to);
  if (!st) return;
  if (!fromDir && st.isFile()) return;
  if (fromDir && st.isDirectory() && await isOurNixSupport(to)) return;
  const what = st.isSymbolicLink() ? "a symbolic link" : st.isDirectory() ? fromDir ? "a directory with files imgsmith did not write" : "a directory" : fileKind(st);
  throw buildError(
    `${to} exists and is ${what}; imgsmith replaces only ${fromDir ? "a nix-support directory holding nothing but hydra-build-products and system" : "regular files"} and never deletes anything else: move it away or use another -o (nothing was published)`
  );
}
async function renameDir(from, to, trash) {
  for (let attempt = 0; ; attempt++) {
    try {
      await fsp3.rename(from, to);
      return;
    } catch (err) {
      const code = err.code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST" || attempt >= 5) throw err;
    }
    await checkReplaceable(from, to, true);
    await fsp3.rename(to, path8.join(trash, `old-${path8.basename(to)}-${attempt}`)).catch((err) => {
      if (err.code !== "ENOENT") throw err;
    });
  }
}
async function publishOutputs(outputs2, outDir, trash) {
  const items = await Promise.all(
    outputs2.map(async ([from, name]) => ({ from, to: path8.join(outDir, name), dir: (await fsp3.lstat(from)).isDirectory() }))
  );
  for (const it of items) await checkReplaceable(it.from, it.to, it.dir);
  await whilePublishing(async () => {
    for (const it of items) {
      if (path8.dirname(it.to) !== outDir) await fsp3.mkdir(path8.dirname(it.to), { recursive: true });
      if (it.dir) await renameDir(it.from, it.to, trash);
      else await fsp3.rename(it.from, it.to);
    }
  });
}

// src/spec.ts
import path21 from "node:path";

// src/units.ts
var KiB = 1024;
var MiB2 = 1024 * KiB;
var GiB = 1024 * MiB2;
var TiB = 1024 * GiB;
var PiB = 1024 * TiB;
var EiB = 1024 * PiB;
var SECTOR = 512;
var UNITS = {
  "": 1,
  B: 1,
  K: KiB,
  KB: 1e3,
  KIB: KiB,
  M: MiB2,
  MB: 1e3 ** 2,
  MIB: MiB2,
  G: GiB,
  GB: 1e3 ** 3,
  GIB: GiB,
  T: TiB,
  TB: 1e3 ** 4,
  TIB: TiB,
  P: PiB,
  PB: 1e3 ** 5,
  PIB: PiB,
  E: EiB,
  EB: 1e3 ** 6,
  EIB: EiB,
  S: SECTOR
  // sectors, as sfdisk understands them
};
function parseSize(value, where2) {
  if (typeof value === "number") {
    if (value < 0) throw usageError(`${where2}: a size cannot be negative, got ${value}`);
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) throw usageError(`${where2}: ${value} bytes is too large`);
    if (!Number.isSafeInteger(value)) {
      throw usageError(`${where2}: expected a whole number of bytes >= 0, got ${value}`);
    }
    return value;
  }
  if (typeof value !== "string") {
    throw usageError(`${where2}: expected a size such as 30MiB or a number of bytes, got ${JSON.stringify(value)}`);
  }
  if (/^\s*-/.test(value)) throw usageError(`${where2}: a size cannot be negative, got "${value}"`);
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = m ? UNITS[m[2].toUpperCase()] : void 0;
  if (!m || unit === void 0) {
    throw usageError(`${where2}: "${value}" is not a size (use e.g. 512, "30MiB", "8M", "1GiB", "2048s")`);
  }
  const bytes = Number(m[1]) * unit;
  if (bytes > Number.MAX_SAFE_INTEGER) throw usageError(`${where2}: "${value}" is too large`);
  if (!Number.isSafeInteger(bytes)) {
    throw usageError(`${where2}: "${value}" is not a whole number of bytes`);
  }
  return bytes;
}
function alignUp(n2, align) {
  return Math.ceil(n2 / align) * align;
}
function alignDown(n2, align) {
  return Math.floor(n2 / align) * align;
}
function formatSize(bytes) {
  const units = [[TiB, "TiB"], [GiB, "GiB"], [MiB2, "MiB"], [KiB, "KiB"]];
  for (const [u2, name] of units) {
    if (bytes >= u2) {
      const v = bytes / u2;
      const s = Number.isInteger(v) ? String(v) : v.toFixed(2);
      return `${s} ${name} (${bytes} bytes)`;
    }
  }
  return `${bytes} bytes`;
}

// src/outputs/naming.ts
var LONGEST_SUFFIX = ".img.zst.sha256";
var NAME_MAX = 255;
var TEMPLATE_KEYS = ["name", "label", "system"];
function safeName(s) {
  let out = "";
  for (const b of Buffer.from(s, "utf8")) {
    const c3 = String.fromCharCode(b);
    out += /[A-Za-z0-9._+-]/.test(c3) ? c3 : "_";
  }
  return out;
}
function unknownPlaceholders(template) {
  return [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]).filter((k) => !TEMPLATE_KEYS.includes(k));
}
function outputBaseName(template, values, what = "spec.output.name") {
  const expanded = template.replaceAll("{name}", values.name).replaceAll("{label}", values.label).replaceAll("{system}", values.system);
  const base = safeName(expanded);
  if (base === "") throw usageError(`${what}: the output file name is empty; give a non-empty "output.name" or --label`);
  if (base.startsWith(".")) {
    throw usageError(`${what}: the output file name "${base}" starts with "." (a hidden file); change "output.name" or --label`);
  }
  const max = NAME_MAX - LONGEST_SUFFIX.length;
  if (base.length > max) {
    throw usageError(
      `${what}: the output file name "${base.slice(0, 40)}..." is ${base.length} bytes; with "${LONGEST_SUFFIX}" it must fit in ${NAME_MAX} bytes, so at most ${max}: shorten "output.name" or the label (--label)`
    );
  }
  return base;
}

// src/fs/vfat.ts
import { promises as fsp5, readSync, writeSync as writeSync2, openSync, closeSync, fstatSync } from "node:fs";

// node_modules/js-fatfs/dist/fatfs.js
var Module = (() => {
  var _scriptName = import.meta.url;
  return (async function(moduleArg = {}) {
    var moduleRtn;
    var Module2 = moduleArg;
    var readyPromiseResolve, readyPromiseReject;
    var readyPromise = new Promise((resolve2, reject) => {
      readyPromiseResolve = resolve2;
      readyPromiseReject = reject;
    });
    var ENVIRONMENT_IS_WEB = typeof window == "object";
    var ENVIRONMENT_IS_WORKER = typeof importScripts == "function";
    var ENVIRONMENT_IS_NODE = typeof process == "object" && typeof process.versions == "object" && typeof process.versions.node == "string";
    if (ENVIRONMENT_IS_NODE) {
      const { createRequire: createRequire2 } = await import("module");
      var require2 = createRequire2(import.meta.url);
    }
    var moduleOverrides = Object.assign({}, Module2);
    var arguments_ = [];
    var thisProgram = "./this.program";
    var quit_ = (status, toThrow) => {
      throw toThrow;
    };
    var scriptDirectory = "";
    function locateFile(path35) {
      if (Module2["locateFile"]) {
        return Module2["locateFile"](path35, scriptDirectory);
      }
      return scriptDirectory + path35;
    }
    var read_, readAsync, readBinary;
    if (ENVIRONMENT_IS_NODE) {
      var fs3 = require2("fs");
      var nodePath = require2("path");
      scriptDirectory = require2("url").fileURLToPath(new URL("./", import.meta.url));
      read_ = (filename, binary) => {
        filename = isFileURI(filename) ? new URL(filename) : nodePath.normalize(filename);
        return fs3.readFileSync(filename, binary ? void 0 : "utf8");
      };
      readBinary = (filename) => {
        var ret = read_(filename, true);
        if (!ret.buffer) {
          ret = new Uint8Array(ret);
        }
        return ret;
      };
      readAsync = (filename, onload, onerror, binary = true) => {
        filename = isFileURI(filename) ? new URL(filename) : nodePath.normalize(filename);
        fs3.readFile(filename, binary ? void 0 : "utf8", (err2, data) => {
          if (err2) onerror(err2);
          else onload(binary ? data.buffer : data);
        });
      };
      if (!Module2["thisProgram"] && process.argv.length > 1) {
        thisProgram = process.argv[1].replace(/\\/g, "/");
      }
      arguments_ = process.argv.slice(2);
      quit_ = (status, toThrow) => {
        process.exitCode = status;
        throw toThrow;
      };
    } else if (ENVIRONMENT_IS_WEB || ENVIRONMENT_IS_WORKER) {
      if (ENVIRONMENT_IS_WORKER) {
        scriptDirectory = self.location.href;
      } else if (typeof document != "undefined" && document.currentScript) {
        scriptDirectory = document.currentScript.src;
      }
      if (_scriptName) {
        scriptDirectory = _scriptName;
      }
      if (scriptDirectory.startsWith("blob:")) {
        scriptDirectory = "";
      } else {
        scriptDirectory = scriptDirectory.substr(0, scriptDirectory.replace(/[?#].*/, "").lastIndexOf("/") + 1);
      }
      {
        read_ = (url) => {
          var xhr = new XMLHttpRequest();
          xhr.open("GET", url, false);
          xhr.send(null);
          return xhr.responseText;
        };
        if (ENVIRONMENT_IS_WORKER) {
          readBinary = (url) => {
            var xhr = new XMLHttpRequest();
            xhr.open("GET", url, false);
            xhr.responseType = "arraybuffer";
            xhr.send(null);
            return new Uint8Array(xhr.response);
          };
        }
        readAsync = (url, onload, onerror) => {
          fetch(url, { credentials: "same-origin" }).then((response) => {
            if (response.ok) {
              return response.arrayBuffer();
            }
            return Promise.reject(new Error(response.status + " : " + response.url));
          }).then(onload, onerror);
        };
      }
    } else {
    }
    var out = Module2["print"] || console.log.bind(console);
    var err = Module2["printErr"] || console.error.bind(console);
    Object.assign(Module2, moduleOverrides);
    moduleOverrides = null;
    if (Module2["arguments"]) arguments_ = Module2["arguments"];
    if (Module2["thisProgram"]) thisProgram = Module2["thisProgram"];
    if (Module2["quit"]) quit_ = Module2["quit"];
    var wasmBinary;
    if (Module2["wasmBinary"]) wasmBinary = Module2["wasmBinary"];
    var wasmMemory;
    var ABORT = false;
    var EXITSTATUS;
    var HEAP8, HEAPU8, HEAP16, HEAPU16, HEAP32, HEAPU32, HEAPF32, HEAPF64;
    function updateMemoryViews() {
      var b = wasmMemory.buffer;
      Module2["HEAP8"] = HEAP8 = new Int8Array(b);
      Module2["HEAP16"] = HEAP16 = new Int16Array(b);
      Module2["HEAPU8"] = HEAPU8 = new Uint8Array(b);
      Module2["HEAPU16"] = HEAPU16 = new Uint16Array(b);
      Module2["HEAP32"] = HEAP32 = new Int32Array(b);
      Module2["HEAPU32"] = HEAPU32 = new Uint32Array(b);
      Module2["HEAPF32"] = HEAPF32 = new Float32Array(b);
      Module2["HEAPF64"] = HEAPF64 = new Float64Array(b);
    }
    var __ATPRERUN__ = [];
    var __ATINIT__ = [];
    var __ATPOSTRUN__ = [];
    var runtimeInitialized = false;
    function preRun() {
      if (Module2["preRun"]) {
        if (typeof Module2["preRun"] == "function") Module2["preRun"] = [Module2["preRun"]];
        while (Module2["preRun"].length) {
          addOnPreRun(Module2["preRun"].shift());
        }
      }
      callRuntimeCallbacks(__ATPRERUN__);
    }
    function initRuntime() {
      runtimeInitialized = true;
      callRuntimeCallbacks(__ATINIT__);
    }
    function postRun() {
      if (Module2["postRun"]) {
        if (typeof Module2["postRun"] == "function") Module2["postRun"] = [Module2["postRun"]];
        while (Module2["postRun"].length) {
          addOnPostRun(Module2["postRun"].shift());
        }
      }
      callRuntimeCallbacks(__ATPOSTRUN__);
    }
    function addOnPreRun(cb) {
      __ATPRERUN__.unshift(cb);
    }
    function addOnInit(cb) {
      __ATINIT__.unshift(cb);
    }
    function addOnPostRun(cb) {
      __ATPOSTRUN__.unshift(cb);
    }
    var runDependencies = 0;
    var runDependencyWatcher = null;
    var dependenciesFulfilled = null;
    function addRunDependency(id) {
      runDependencies++;
      Module2["monitorRunDependencies"]?.(runDependencies);
    }
    function removeRunDependency(id) {
      runDependencies--;
      Module2["monitorRunDependencies"]?.(runDependencies);
      if (runDependencies == 0) {
        if (runDependencyWatcher !== null) {
          clearInterval(runDependencyWatcher);
          runDependencyWatcher = null;
        }
        if (dependenciesFulfilled) {
          var callback = dependenciesFulfilled;
          dependenciesFulfilled = null;
          callback();
        }
      }
    }
    function abort(what) {
      Module2["onAbort"]?.(what);
      what = "Aborted(" + what + ")";
      err(what);
      ABORT = true;
      EXITSTATUS = 1;
      what += ". Build with -sASSERTIONS for more info.";
      var e = new WebAssembly.RuntimeError(what);
      readyPromiseReject(e);
      throw e;
    }
    var dataURIPrefix = "data:application/octet-stream;base64,";
    var isDataURI = (filename) => filename.startsWith(dataURIPrefix);
    var isFileURI = (filename) => filename.startsWith("file://");
    function findWasmBinary() {
      if (Module2["locateFile"]) {
        var f = "fatfs.wasm";
        if (!isDataURI(f)) {
          return locateFile(f);
        }
        return f;
      }
      return new URL("fatfs.wasm", import.meta.url).href;
    }
    var wasmBinaryFile;
    function getBinarySync(file) {
      if (file == wasmBinaryFile && wasmBinary) {
        return new Uint8Array(wasmBinary);
      }
      if (readBinary) {
        return readBinary(file);
      }
      throw "both async and sync fetching of the wasm failed";
    }
    function getBinaryPromise(binaryFile) {
      if (!wasmBinary) {
        return new Promise((resolve2, reject) => {
          readAsync(binaryFile, (response) => resolve2(new Uint8Array(response)), (error) => {
            try {
              resolve2(getBinarySync(binaryFile));
            } catch (e) {
              reject(e);
            }
          });
        });
      }
      return Promise.resolve().then(() => getBinarySync(binaryFile));
    }
    function instantiateArrayBuffer(binaryFile, imports, receiver) {
      return getBinaryPromise(binaryFile).then((binary) => WebAssembly.instantiate(binary, imports)).then(receiver, (reason) => {
        err(`failed to asynchronously prepare wasm: ${reason}`);
        abort(reason);
      });
    }
    function instantiateAsync(binary, binaryFile, imports, callback) {
      if (!binary && typeof WebAssembly.instantiateStreaming == "function" && !isDataURI(binaryFile) && !ENVIRONMENT_IS_NODE && typeof fetch == "function") {
        return fetch(binaryFile, { credentials: "same-origin" }).then((response) => {
          var result = WebAssembly.instantiateStreaming(response, imports);
          return result.then(callback, function(reason) {
            err(`wasm streaming compile failed: ${reason}`);
            err("falling back to ArrayBuffer instantiation");
            return instantiateArrayBuffer(binaryFile, imports, callback);
          });
        });
      }
      return instantiateArrayBuffer(binaryFile, imports, callback);
    }
    function getWasmImports() {
      return { a: wasmImports };
    }
    function createWasm() {
      var info = getWasmImports();
      function receiveInstance(instance, module) {
        wasmExports = instance.exports;
        wasmMemory = wasmExports["j"];
        updateMemoryViews();
        addOnInit(wasmExports["k"]);
        removeRunDependency("wasm-instantiate");
        return wasmExports;
      }
      addRunDependency("wasm-instantiate");
      function receiveInstantiationResult(result) {
        receiveInstance(result["instance"]);
      }
      if (Module2["instantiateWasm"]) {
        try {
          return Module2["instantiateWasm"](info, receiveInstance);
        } catch (e) {
          err(`Module.instantiateWasm callback failed with error: ${e}`);
          readyPromiseReject(e);
        }
      }
      if (!wasmBinaryFile) wasmBinaryFile = findWasmBinary();
      instantiateAsync(wasmBinary, wasmBinaryFile, info, receiveInstantiationResult).catch(readyPromiseReject);
      return {};
    }
    function disk_initialize(pdrv) {
      return Module2.diskio.initialize(Module2, pdrv);
    }
    function disk_status(pdrv) {
      return Module2.diskio.status(Module2, pdrv);
    }
    function disk_read(pdrv, buff, sector, count2) {
      return Module2.diskio.read(Module2, pdrv, buff, sector, count2);
    }
    function disk_write(pdrv, buff, sector, count2) {
      return Module2.diskio.write(Module2, pdrv, buff, sector, count2);
    }
    function disk_ioctl(pdrv, cmd, buff) {
      return Module2.diskio.ioctl(Module2, pdrv, cmd, buff);
    }
    var callRuntimeCallbacks = (callbacks) => {
      while (callbacks.length > 0) {
        callbacks.shift()(Module2);
      }
    };
    var getCFunc = (ident) => {
      var func = Module2["_" + ident];
      return func;
    };
    var writeArrayToMemory = (array, buffer) => {
      HEAP8.set(array, buffer);
    };
    var lengthBytesUTF8 = (str2) => {
      var len = 0;
      for (var i2 = 0; i2 < str2.length; ++i2) {
        var c3 = str2.charCodeAt(i2);
        if (c3 <= 127) {
          len++;
        } else if (c3 <= 2047) {
          len += 2;
        } else if (c3 >= 55296 && c3 <= 57343) {
          len += 4;
          ++i2;
        } else {
          len += 3;
        }
      }
      return len;
    };
    var stringToUTF8Array = (str2, heap, outIdx, maxBytesToWrite) => {
      if (!(maxBytesToWrite > 0)) return 0;
      var startIdx = outIdx;
      var endIdx = outIdx + maxBytesToWrite - 1;
      for (var i2 = 0; i2 < str2.length; ++i2) {
        var u2 = str2.charCodeAt(i2);
        if (u2 >= 55296 && u2 <= 57343) {
          var u1 = str2.charCodeAt(++i2);
          u2 = 65536 + ((u2 & 1023) << 10) | u1 & 1023;
        }
        if (u2 <= 127) {
          if (outIdx >= endIdx) break;
          heap[outIdx++] = u2;
        } else if (u2 <= 2047) {
          if (outIdx + 1 >= endIdx) break;
          heap[outIdx++] = 192 | u2 >> 6;
          heap[outIdx++] = 128 | u2 & 63;
        } else if (u2 <= 65535) {
          if (outIdx + 2 >= endIdx) break;
          heap[outIdx++] = 224 | u2 >> 12;
          heap[outIdx++] = 128 | u2 >> 6 & 63;
          heap[outIdx++] = 128 | u2 & 63;
        } else {
          if (outIdx + 3 >= endIdx) break;
          heap[outIdx++] = 240 | u2 >> 18;
          heap[outIdx++] = 128 | u2 >> 12 & 63;
          heap[outIdx++] = 128 | u2 >> 6 & 63;
          heap[outIdx++] = 128 | u2 & 63;
        }
      }
      heap[outIdx] = 0;
      return outIdx - startIdx;
    };
    var stringToUTF8 = (str2, outPtr, maxBytesToWrite) => stringToUTF8Array(str2, HEAPU8, outPtr, maxBytesToWrite);
    var stackAlloc = (sz) => __emscripten_stack_alloc(sz);
    var stringToUTF8OnStack = (str2) => {
      var size = lengthBytesUTF8(str2) + 1;
      var ret = stackAlloc(size);
      stringToUTF8(str2, ret, size);
      return ret;
    };
    var stackSave = () => _emscripten_stack_get_current();
    var stackRestore = (val) => __emscripten_stack_restore(val);
    var UTF8Decoder = typeof TextDecoder != "undefined" ? new TextDecoder("utf8") : void 0;
    var UTF8ArrayToString = (heapOrArray, idx, maxBytesToRead) => {
      var endIdx = idx + maxBytesToRead;
      var endPtr = idx;
      while (heapOrArray[endPtr] && !(endPtr >= endIdx)) ++endPtr;
      if (endPtr - idx > 16 && heapOrArray.buffer && UTF8Decoder) {
        return UTF8Decoder.decode(heapOrArray.subarray(idx, endPtr));
      }
      var str2 = "";
      while (idx < endPtr) {
        var u0 = heapOrArray[idx++];
        if (!(u0 & 128)) {
          str2 += String.fromCharCode(u0);
          continue;
        }
        var u1 = heapOrArray[idx++] & 63;
        if ((u0 & 224) == 192) {
          str2 += String.fromCharCode((u0 & 31) << 6 | u1);
          continue;
        }
        var u2 = heapOrArray[idx++] & 63;
        if ((u0 & 240) == 224) {
          u0 = (u0 & 15) << 12 | u1 << 6 | u2;
        } else {
          u0 = (u0 & 7) << 18 | u1 << 12 | u2 << 6 | heapOrArray[idx++] & 63;
        }
        if (u0 < 65536) {
          str2 += String.fromCharCode(u0);
        } else {
          var ch = u0 - 65536;
          str2 += String.fromCharCode(55296 | ch >> 10, 56320 | ch & 1023);
        }
      }
      return str2;
    };
    var UTF8ToString = (ptr, maxBytesToRead) => ptr ? UTF8ArrayToString(HEAPU8, ptr, maxBytesToRead) : "";
    var ccall = (ident, returnType, argTypes, args, opts2) => {
      var toC = { string: (str2) => {
        var ret2 = 0;
        if (str2 !== null && str2 !== void 0 && str2 !== 0) {
          ret2 = stringToUTF8OnStack(str2);
        }
        return ret2;
      }, array: (arr2) => {
        var ret2 = stackAlloc(arr2.length);
        writeArrayToMemory(arr2, ret2);
        return ret2;
      } };
      function convertReturnValue(ret2) {
        if (returnType === "string") {
          return UTF8ToString(ret2);
        }
        if (returnType === "boolean") return Boolean(ret2);
        return ret2;
      }
      var func = getCFunc(ident);
      var cArgs = [];
      var stack = 0;
      if (args) {
        for (var i2 = 0; i2 < args.length; i2++) {
          var converter = toC[argTypes[i2]];
          if (converter) {
            if (stack === 0) stack = stackSave();
            cArgs[i2] = converter(args[i2]);
          } else {
            cArgs[i2] = args[i2];
          }
        }
      }
      var ret = func(...cArgs);
      function onDone(ret2) {
        if (stack !== 0) stackRestore(stack);
        return convertReturnValue(ret2);
      }
      ret = onDone(ret);
      return ret;
    };
    var cwrap = (ident, returnType, argTypes, opts2) => {
      var numericArgs = !argTypes || argTypes.every((type) => type === "number" || type === "boolean");
      var numericRet = returnType !== "string";
      if (numericRet && numericArgs && !opts2) {
        return getCFunc(ident);
      }
      return (...args) => ccall(ident, returnType, argTypes, args, opts2);
    };
    function getValue(ptr, type = "i8") {
      if (type.endsWith("*")) type = "*";
      switch (type) {
        case "i1":
          return HEAP8[ptr];
        case "i8":
          return HEAP8[ptr];
        case "i16":
          return HEAP16[ptr >> 1];
        case "i32":
          return HEAP32[ptr >> 2];
        case "i64":
          abort("to do getValue(i64) use WASM_BIGINT");
        case "float":
          return HEAPF32[ptr >> 2];
        case "double":
          return HEAPF64[ptr >> 3];
        case "*":
          return HEAPU32[ptr >> 2];
        default:
          abort(`invalid type for getValue: ${type}`);
      }
    }
    var noExitRuntime = Module2["noExitRuntime"] || true;
    function setValue(ptr, value, type = "i8") {
      if (type.endsWith("*")) type = "*";
      switch (type) {
        case "i1":
          HEAP8[ptr] = value;
          break;
        case "i8":
          HEAP8[ptr] = value;
          break;
        case "i16":
          HEAP16[ptr >> 1] = value;
          break;
        case "i32":
          HEAP32[ptr >> 2] = value;
          break;
        case "i64":
          abort("to do setValue(i64) use WASM_BIGINT");
        case "float":
          HEAPF32[ptr >> 2] = value;
          break;
        case "double":
          HEAPF64[ptr >> 3] = value;
          break;
        case "*":
          HEAPU32[ptr >> 2] = value;
          break;
        default:
          abort(`invalid type for setValue: ${type}`);
      }
    }
    var isLeapYear = (year) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    var MONTH_DAYS_LEAP_CUMULATIVE = [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335];
    var MONTH_DAYS_REGULAR_CUMULATIVE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    var ydayFromDate = (date) => {
      var leap = isLeapYear(date.getFullYear());
      var monthDaysCumulative = leap ? MONTH_DAYS_LEAP_CUMULATIVE : MONTH_DAYS_REGULAR_CUMULATIVE;
      var yday = monthDaysCumulative[date.getMonth()] + date.getDate() - 1;
      return yday;
    };
    var convertI32PairToI53Checked = (lo, hi) => hi + 2097152 >>> 0 < 4194305 - !!lo ? (lo >>> 0) + hi * 4294967296 : NaN;
    function __localtime_js(time_low, time_high, tmPtr) {
      var time = convertI32PairToI53Checked(time_low, time_high);
      var date = new Date(time * 1e3);
      HEAP32[tmPtr >> 2] = date.getSeconds();
      HEAP32[tmPtr + 4 >> 2] = date.getMinutes();
      HEAP32[tmPtr + 8 >> 2] = date.getHours();
      HEAP32[tmPtr + 12 >> 2] = date.getDate();
      HEAP32[tmPtr + 16 >> 2] = date.getMonth();
      HEAP32[tmPtr + 20 >> 2] = date.getFullYear() - 1900;
      HEAP32[tmPtr + 24 >> 2] = date.getDay();
      var yday = ydayFromDate(date) | 0;
      HEAP32[tmPtr + 28 >> 2] = yday;
      HEAP32[tmPtr + 36 >> 2] = -(date.getTimezoneOffset() * 60);
      var start = new Date(date.getFullYear(), 0, 1);
      var summerOffset = new Date(date.getFullYear(), 6, 1).getTimezoneOffset();
      var winterOffset = start.getTimezoneOffset();
      var dst = (summerOffset != winterOffset && date.getTimezoneOffset() == Math.min(winterOffset, summerOffset)) | 0;
      HEAP32[tmPtr + 32 >> 2] = dst;
    }
    var __tzset_js = (timezone, daylight, std_name, dst_name) => {
      var currentYear = (/* @__PURE__ */ new Date()).getFullYear();
      var winter = new Date(currentYear, 0, 1);
      var summer = new Date(currentYear, 6, 1);
      var winterOffset = winter.getTimezoneOffset();
      var summerOffset = summer.getTimezoneOffset();
      var stdTimezoneOffset = Math.max(winterOffset, summerOffset);
      HEAPU32[timezone >> 2] = stdTimezoneOffset * 60;
      HEAP32[daylight >> 2] = Number(winterOffset != summerOffset);
      var extractZone = (date) => date.toLocaleTimeString(void 0, { hour12: false, timeZoneName: "short" }).split(" ")[1];
      var winterName = extractZone(winter);
      var summerName = extractZone(summer);
      if (summerOffset < winterOffset) {
        stringToUTF8(winterName, std_name, 17);
        stringToUTF8(summerName, dst_name, 17);
      } else {
        stringToUTF8(winterName, dst_name, 17);
        stringToUTF8(summerName, std_name, 17);
      }
    };
    var _emscripten_date_now = () => Date.now();
    var getHeapMax = () => 2147483648;
    var growMemory = (size) => {
      var b = wasmMemory.buffer;
      var pages = (size - b.byteLength + 65535) / 65536;
      try {
        wasmMemory.grow(pages);
        updateMemoryViews();
        return 1;
      } catch (e) {
      }
    };
    var _emscripten_resize_heap = (requestedSize) => {
      var oldSize = HEAPU8.length;
      requestedSize >>>= 0;
      var maxHeapSize = getHeapMax();
      if (requestedSize > maxHeapSize) {
        return false;
      }
      var alignUp2 = (x, multiple) => x + (multiple - x % multiple) % multiple;
      for (var cutDown = 1; cutDown <= 4; cutDown *= 2) {
        var overGrownHeapSize = oldSize * (1 + 0.2 / cutDown);
        overGrownHeapSize = Math.min(overGrownHeapSize, requestedSize + 100663296);
        var newSize = Math.min(maxHeapSize, alignUp2(Math.max(requestedSize, overGrownHeapSize), 65536));
        var replacement = growMemory(newSize);
        if (replacement) {
          return true;
        }
      }
      return false;
    };
    var wasmImports = { f: __localtime_js, h: __tzset_js, e: disk_initialize, b: disk_ioctl, c: disk_read, d: disk_status, a: disk_write, i: _emscripten_date_now, g: _emscripten_resize_heap };
    var wasmExports = createWasm();
    var ___wasm_call_ctors = () => (___wasm_call_ctors = wasmExports["k"])();
    var _f_eof_ = Module2["_f_eof_"] = (a0) => (_f_eof_ = Module2["_f_eof_"] = wasmExports["l"])(a0);
    var _f_error_ = Module2["_f_error_"] = (a0) => (_f_error_ = Module2["_f_error_"] = wasmExports["m"])(a0);
    var _f_tell_ = Module2["_f_tell_"] = (a0) => (_f_tell_ = Module2["_f_tell_"] = wasmExports["n"])(a0);
    var _f_size_ = Module2["_f_size_"] = (a0) => (_f_size_ = Module2["_f_size_"] = wasmExports["o"])(a0);
    var _FILINFO_fsize = Module2["_FILINFO_fsize"] = (a0) => (_FILINFO_fsize = Module2["_FILINFO_fsize"] = wasmExports["p"])(a0);
    var _FILINFO_fdate = Module2["_FILINFO_fdate"] = (a0) => (_FILINFO_fdate = Module2["_FILINFO_fdate"] = wasmExports["q"])(a0);
    var _FILINFO_ftime = Module2["_FILINFO_ftime"] = (a0) => (_FILINFO_ftime = Module2["_FILINFO_ftime"] = wasmExports["r"])(a0);
    var _FILINFO_fattrib = Module2["_FILINFO_fattrib"] = (a0) => (_FILINFO_fattrib = Module2["_FILINFO_fattrib"] = wasmExports["s"])(a0);
    var _FILINFO_altname = Module2["_FILINFO_altname"] = (a0) => (_FILINFO_altname = Module2["_FILINFO_altname"] = wasmExports["t"])(a0);
    var _FILINFO_fname = Module2["_FILINFO_fname"] = (a0) => (_FILINFO_fname = Module2["_FILINFO_fname"] = wasmExports["u"])(a0);
    var _f_mount = Module2["_f_mount"] = (a0, a1, a2) => (_f_mount = Module2["_f_mount"] = wasmExports["w"])(a0, a1, a2);
    var _f_open = Module2["_f_open"] = (a0, a1, a2) => (_f_open = Module2["_f_open"] = wasmExports["x"])(a0, a1, a2);
    var _f_read = Module2["_f_read"] = (a0, a1, a2, a3) => (_f_read = Module2["_f_read"] = wasmExports["y"])(a0, a1, a2, a3);
    var _f_write = Module2["_f_write"] = (a0, a1, a2, a3) => (_f_write = Module2["_f_write"] = wasmExports["z"])(a0, a1, a2, a3);
    var _f_sync = Module2["_f_sync"] = (a0) => (_f_sync = Module2["_f_sync"] = wasmExports["A"])(a0);
    var _f_close = Module2["_f_close"] = (a0) => (_f_close = Module2["_f_close"] = wasmExports["B"])(a0);
    var _f_lseek = Module2["_f_lseek"] = (a0, a1) => (_f_lseek = Module2["_f_lseek"] = wasmExports["C"])(a0, a1);
    var _f_opendir = Module2["_f_opendir"] = (a0, a1) => (_f_opendir = Module2["_f_opendir"] = wasmExports["D"])(a0, a1);
    var _f_closedir = Module2["_f_closedir"] = (a0) => (_f_closedir = Module2["_f_closedir"] = wasmExports["E"])(a0);
    var _f_readdir = Module2["_f_readdir"] = (a0, a1) => (_f_readdir = Module2["_f_readdir"] = wasmExports["F"])(a0, a1);
    var _f_stat = Module2["_f_stat"] = (a0, a1) => (_f_stat = Module2["_f_stat"] = wasmExports["G"])(a0, a1);
    var _f_getfree = Module2["_f_getfree"] = (a0, a1, a2) => (_f_getfree = Module2["_f_getfree"] = wasmExports["H"])(a0, a1, a2);
    var _f_truncate = Module2["_f_truncate"] = (a0) => (_f_truncate = Module2["_f_truncate"] = wasmExports["I"])(a0);
    var _f_unlink = Module2["_f_unlink"] = (a0) => (_f_unlink = Module2["_f_unlink"] = wasmExports["J"])(a0);
    var _f_mkdir = Module2["_f_mkdir"] = (a0) => (_f_mkdir = Module2["_f_mkdir"] = wasmExports["K"])(a0);
    var _f_rename = Module2["_f_rename"] = (a0, a1) => (_f_rename = Module2["_f_rename"] = wasmExports["L"])(a0, a1);
    var _f_mkfs = Module2["_f_mkfs"] = (a0, a1, a2, a3) => (_f_mkfs = Module2["_f_mkfs"] = wasmExports["M"])(a0, a1, a2, a3);
    var _f_setcp = Module2["_f_setcp"] = (a0) => (_f_setcp = Module2["_f_setcp"] = wasmExports["N"])(a0);
    var _free = Module2["_free"] = (a0) => (_free = Module2["_free"] = wasmExports["O"])(a0);
    var _malloc = Module2["_malloc"] = (a0) => (_malloc = Module2["_malloc"] = wasmExports["P"])(a0);
    var __emscripten_stack_restore = (a0) => (__emscripten_stack_restore = wasmExports["Q"])(a0);
    var __emscripten_stack_alloc = (a0) => (__emscripten_stack_alloc = wasmExports["R"])(a0);
    var _emscripten_stack_get_current = () => (_emscripten_stack_get_current = wasmExports["S"])();
    Module2["setValue"] = setValue;
    Module2["getValue"] = getValue;
    var calledRun;
    dependenciesFulfilled = function runCaller() {
      if (!calledRun) run3();
      if (!calledRun) dependenciesFulfilled = runCaller;
    };
    function run3() {
      if (runDependencies > 0) {
        return;
      }
      preRun();
      if (runDependencies > 0) {
        return;
      }
      function doRun() {
        if (calledRun) return;
        calledRun = true;
        Module2["calledRun"] = true;
        if (ABORT) return;
        initRuntime();
        readyPromiseResolve(Module2);
        if (Module2["onRuntimeInitialized"]) Module2["onRuntimeInitialized"]();
        postRun();
      }
      if (Module2["setStatus"]) {
        Module2["setStatus"]("Running...");
        setTimeout(function() {
          setTimeout(function() {
            Module2["setStatus"]("");
          }, 1);
          doRun();
        }, 1);
      } else {
        doRun();
      }
    }
    if (Module2["preInit"]) {
      if (typeof Module2["preInit"] == "function") Module2["preInit"] = [Module2["preInit"]];
      while (Module2["preInit"].length > 0) {
        Module2["preInit"].pop()();
      }
    }
    run3();
    {
      const define_wrapper = (rtype, name, argtypes) => {
        Module2[name] = cwrap(name, rtype, argtypes);
      };
      const number = "number";
      const string = "string";
      const pointer = number;
      define_wrapper(number, "f_open", [pointer, string, number]);
      define_wrapper(number, "f_close", [pointer]);
      define_wrapper(number, "f_read", [pointer, pointer, number, pointer]);
      define_wrapper(number, "f_write", [pointer, pointer, number, pointer]);
      define_wrapper(number, "f_lseek", [pointer, number]);
      define_wrapper(number, "f_truncate", [pointer]);
      define_wrapper(number, "f_sync", [pointer]);
      define_wrapper(number, "f_opendir", [pointer, string]);
      define_wrapper(number, "f_closedir", [pointer]);
      define_wrapper(number, "f_readdir", [pointer, pointer]);
      define_wrapper(number, "f_findfirst", [pointer, pointer, string, string]);
      define_wrapper(number, "f_findnext", [pointer, pointer]);
      define_wrapper(number, "f_mkdir", [string]);
      define_wrapper(number, "f_unlink", [string]);
      define_wrapper(number, "f_rename", [string, string]);
      define_wrapper(number, "f_stat", [string, pointer]);
      define_wrapper(number, "f_chmod", [string, number, number]);
      define_wrapper(number, "f_utime", [string, pointer]);
      define_wrapper(number, "f_chdir", [string]);
      define_wrapper(number, "f_chdrive", [string]);
      define_wrapper(number, "f_getcwd", [pointer, number]);
      define_wrapper(number, "f_getfree", [string, pointer, pointer]);
      define_wrapper(number, "f_getlabel", [string, pointer, pointer]);
      define_wrapper(number, "f_setlabel", [string]);
      define_wrapper(number, "f_expand", [pointer, number, number]);
      define_wrapper(number, "f_mount", [pointer, string, number]);
      Module2["f_mkfs"] = (path35, opt, work, len) => {
        let stack;
        if (typeof opt === "object") {
          stack = stackSave();
          const p_opt = stackAlloc(sizeof_MKFS_PARM);
          HEAPU8[p_opt + offsetof_MKFS_PARM_fmt] = opt.fmt;
          HEAPU8[p_opt + offsetof_MKFS_PARM_n_fat] = opt.n_fat;
          HEAPU32[p_opt + offsetof_MKFS_PARM_align >> 2] = opt.align;
          HEAPU32[p_opt + offsetof_MKFS_PARM_n_root >> 2] = opt.n_root;
          HEAPU32[p_opt + offsetof_MKFS_PARM_au_size >> 2] = opt.au_size;
          opt = p_opt;
        }
        const result = ccall("f_mkfs", number, [string, pointer, pointer, number], [path35, opt, work, len]);
        if (stack) stackRestore(stack);
        return result;
      };
      define_wrapper(number, "f_putc", [number, pointer]);
      define_wrapper(number, "f_puts", [string, pointer]);
      define_wrapper(string, "f_gets", [pointer, number, pointer]);
      Module2["f_eof"] = Module2["_f_eof_"];
      Module2["f_error"] = Module2["_f_error_"];
      Module2["f_tell"] = (fp) => Module2["_f_tell_"](fp) >>> 0;
      Module2["f_size"] = (fp) => Module2["_f_size_"](fp) >>> 0;
      Module2["f_rewind"] = (fp) => Module2["f_lseek"](fp, 0);
      Module2["f_rewinddir"] = (dp) => Module2["f_readdir"](dp, 0);
      Module2["f_rmdir"] = Module2["f_unlink"];
      Module2["f_unmount"] = (path35) => Module2["f_mount"](0, path35, 0);
      Module2["FILINFO_fsize"] = (fno) => Module2["_FILINFO_fsize"](fno) >>> 0;
      Module2["FILINFO_fdate"] = Module2["_FILINFO_fdate"];
      Module2["FILINFO_ftime"] = Module2["_FILINFO_ftime"];
      Module2["FILINFO_fattrib"] = Module2["_FILINFO_fattrib"];
      define_wrapper(string, "FILINFO_fname", [pointer]);
      define_wrapper(string, "FILINFO_altname", [pointer]);
      Module2["malloc"] = Module2["_malloc"];
      Module2["free"] = Module2["_free"];
      Module2["onRuntimeInitialized"] = () => {
        if (Module2["codepage"]) {
          if (Module2["_f_setcp"](Module2["codepage"]) !== FR_OK) abort(`invalid codepage ${Module2["codepage"]}`);
        }
      };
    }
    moduleRtn = readyPromise;
    return moduleRtn;
  });
})();
var sizeof_FATFS = 4152;
var sizeof_FIL = 4136;
var sizeof_MKFS_PARM = 16;
var offsetof_MKFS_PARM_fmt = 0;
var offsetof_MKFS_PARM_n_fat = 1;
var offsetof_MKFS_PARM_align = 4;
var offsetof_MKFS_PARM_n_root = 8;
var offsetof_MKFS_PARM_au_size = 12;
var FR_OK = 0;
var FA_WRITE = 2;
var FA_CREATE_NEW = 4;
var FM_FAT = 1;
var FM_FAT32 = 2;
var FM_SFD = 8;
var RES_OK = 0;
var RES_ERROR = 1;
var RES_PARERR = 4;
var CTRL_SYNC = 0;
var GET_SECTOR_COUNT = 1;
var GET_SECTOR_SIZE = 2;
var GET_BLOCK_SIZE = 3;
var create = Module;

// src/content/tree.ts
import { constants as fsc2, lstatSync as lstatSync2, readdirSync as readdirSync3, readlinkSync, realpathSync, statSync as statSync2 } from "node:fs";
import os3 from "node:os";

// src/sparse.ts
import fs, { promises as fsp4 } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath as fileURLToPath3 } from "node:url";
import { promisify as promisify3 } from "node:util";
var BLOCK = 4096;
var CHUNK = 1024 * 1024;
var NATIVE_STEP = 64 * 1024 * 1024;
var ZERO_CHUNK = Buffer.alloc(CHUNK);
var NATIVE_PATH = fileURLToPath3(new URL("../build/Release/imgsmith_native.node", import.meta.url));
var nativeModule;
function loadNative() {
  if (process.env.IMGSMITH_NO_NATIVE === "1") return null;
  if (nativeModule === void 0) {
    try {
      const require2 = createRequire(import.meta.url);
      const m = require2(NATIVE_PATH);
      nativeModule = typeof m.seekData === "function" && typeof m.copyFileRange === "function" ? m : null;
    } catch {
      nativeModule = null;
    }
  }
  return nativeModule;
}
var readFd = (fd, buffer, offset, length, position) => new Promise(
  (resolve2, reject) => fs.read(fd, buffer, offset, length, position, (err, n2) => err ? reject(err) : resolve2(n2))
);
var writeFd = (fd, buffer, offset, length, position) => new Promise(
  (resolve2, reject) => fs.write(fd, buffer, offset, length, position, (err, n2) => err ? reject(err) : resolve2(n2))
);
var fstatFd = promisify3(fs.fstat);
function pickNative(opts2) {
  return opts2?.native === false ? null : loadNative();
}
async function readFull(fd, buf, len, pos) {
  let got = 0;
  while (got < len) {
    const n2 = await readFd(fd, buf, got, len - got, pos + got);
    if (n2 === 0) break;
    got += n2;
  }
  return got;
}
async function writeFull(fd, buf, off2, len, pos) {
  let done = 0;
  while (done < len) {
    done += await writeFd(fd, buf, off2 + done, len - done, pos + done);
  }
}
function pushRange(out, start, end) {
  if (end <= start) return;
  const last = out[out.length - 1];
  if (last && last.end >= start) last.end = Math.max(last.end, end);
  else out.push({ start, end });
}
function forEachNonZeroRun(buf, len, pos, fn) {
  if (len <= CHUNK && buf.compare(ZERO_CHUNK, 0, len, 0, len) === 0) return;
  let runStart = -1;
  let i2 = 0;
  while (i2 < len) {
    const next = Math.min(len, i2 + BLOCK - (pos + i2) % BLOCK);
    const zero = isZeroRange(buf, i2, next);
    if (!zero && runStart < 0) runStart = i2;
    if (zero && runStart >= 0) {
      fn(runStart, i2);
      runStart = -1;
    }
    i2 = next;
  }
  if (runStart >= 0) fn(runStart, len);
}
function isZeroRange(buf, start, end) {
  let i2 = start;
  while (i2 < end) {
    const n2 = Math.min(end - i2, CHUNK);
    if (buf.compare(ZERO_CHUNK, 0, n2, i2, i2 + n2) !== 0) return false;
    i2 += n2;
  }
  return true;
}
async function nativeRanges(n2, fd, start, end) {
  const out = [];
  let off2 = start;
  try {
    while (off2 < end) {
      const d = n2.seekData(fd, off2);
      if (d < 0 || d >= end) break;
      let h2 = n2.seekHole(fd, d);
      if (h2 < 0 || h2 > end) h2 = end;
      pushRange(out, d, h2);
      off2 = h2;
    }
  } catch (err) {
    const code = err.code;
    if (code === "EINVAL" || code === "EOPNOTSUPP" || code === "ENOSYS") return null;
    throw err;
  }
  return out;
}
async function extentRanges(fd, start, end, opts2) {
  const n2 = pickNative(opts2);
  if (!n2) return null;
  if (typeof n2.extents === "function" && end > start) {
    try {
      const flat = n2.extents(fd, start, end - start);
      const out = [];
      for (let i2 = 0; i2 + 1 < flat.length; i2 += 2) pushRange(out, Math.max(start, flat[i2]), Math.min(end, flat[i2 + 1]));
      return out;
    } catch (err) {
      const code = err.code;
      if (code !== "EOPNOTSUPP" && code !== "ENOTTY" && code !== "EINVAL" && code !== "ENOSYS") throw err;
    }
  }
  return nativeRanges(n2, fd, start, end);
}
async function seekRanges(fd, start, end, opts2) {
  const n2 = pickNative(opts2);
  if (!n2 || end <= start) return n2 ? [] : null;
  return nativeRanges(n2, fd, start, end);
}
var tick = () => new Promise((resolve2) => setImmediate(resolve2));
async function copySparse(src, dst, dstOffset, opts2) {
  if (!Number.isSafeInteger(dstOffset) || dstOffset < 0) {
    throw new RangeError(`copySparse: bad destination offset ${dstOffset}`);
  }
  const sfh = await fsp4.open(src, "r");
  try {
    const size = (await sfh.stat()).size;
    const srcStart = opts2?.srcOffset ?? 0;
    const srcEnd = opts2?.length === void 0 ? size : Math.min(size, srcStart + opts2.length);
    if (!Number.isSafeInteger(srcStart) || srcStart < 0 || srcStart > size) {
      throw new RangeError(`copySparse: source offset ${srcStart} is outside ${src} (${size} bytes)`);
    }
    const dfh = await fsp4.open(dst, fs.constants.O_RDWR | fs.constants.O_CREAT, 420);
    try {
      const delta = dstOffset - srcStart;
      const n2 = pickNative(opts2);
      const ranges = n2 ? await nativeRanges(n2, sfh.fd, srcStart, srcEnd) : null;
      if (n2 && ranges) {
        const job = { n: n2, sfd: sfh.fd, dfd: dfh.fd, ranges, srcStart, srcEnd, delta, opts: opts2 };
        return { bytesCopied: await (opts2?.skipZeros ? rangesScanCopy(job) : nativeCopy(job)) };
      }
      return { bytesCopied: await scanCopy(sfh.fd, dfh.fd, srcStart, srcEnd, delta, opts2) };
    } finally {
      await dfh.close();
    }
  } finally {
    await sfh.close();
  }
}
async function nativeCopy({ n: n2, sfd, dfd, ranges, srcStart, srcEnd, delta, opts: opts2 }) {
  const total = ranges.reduce((a2, r) => a2 + r.end - r.start, 0);
  let done = 0;
  opts2?.onProgress?.(0, total);
  if (opts2?.punchHoles) await punchGaps(n2, dfd, ranges, srcStart, srcEnd, delta);
  for (const r of ranges) {
    for (let off2 = r.start; off2 < r.end; ) {
      const len = Math.min(NATIVE_STEP, r.end - off2);
      const c3 = n2.copyFileRange(sfd, off2, dfd, off2 + delta, len);
      done += c3;
      opts2?.onProgress?.(done, total);
      if (c3 < len) return done;
      off2 += c3;
      await tick();
    }
  }
  return done;
}
async function punchGaps(n2, dfd, ranges, srcStart, srcEnd, delta) {
  let prev = srcStart;
  for (const r of [...ranges, { start: srcEnd, end: srcEnd }]) {
    if (r.start > prev) await punchOrZero(dfd, prev + delta, r.start - prev, n2);
    prev = r.end;
  }
}
async function rangesScanCopy({ n: n2, sfd, dfd, ranges, srcStart, srcEnd, delta, opts: opts2 }) {
  const total = ranges.reduce((a2, r) => a2 + r.end - r.start, 0);
  let done = 0;
  let written = 0;
  opts2?.onProgress?.(0, total);
  if (opts2?.punchHoles) await punchGaps(n2, dfd, ranges, srcStart, srcEnd, delta);
  for (const r of ranges) {
    const inner = { ...opts2, onProgress: (d) => opts2?.onProgress?.(done + d, total) };
    written += await scanCopy(sfd, dfd, r.start, r.end, delta, inner);
    done += r.end - r.start;
  }
  opts2?.onProgress?.(done, total);
  return written;
}
async function scanCopy(sfd, dfd, srcStart, srcEnd, delta, opts2) {
  const total = srcEnd - srcStart;
  const buf = Buffer.allocUnsafe(CHUNK);
  const dbuf = opts2?.punchHoles ? Buffer.allocUnsafe(CHUNK) : null;
  let written = 0;
  opts2?.onProgress?.(0, total);
  for (let pos = srcStart; pos < srcEnd; ) {
    const want = Math.min(srcEnd - pos, CHUNK - pos % CHUNK);
    const got = await readFull(sfd, buf, want, pos);
    const runs = [];
    forEachNonZeroRun(buf, got, pos, (s, e) => runs.push([s, e]));
    for (const [s, e] of runs) {
      await writeFull(dfd, buf, s, e - s, pos + s + delta);
      written += e - s;
    }
    if (dbuf) {
      let prev = 0;
      for (const [s, e] of [...runs, [got, got]]) {
        if (s > prev) await zeroNonZero(dfd, dbuf, pos + prev + delta, s - prev);
        prev = e;
      }
    }
    opts2?.onProgress?.(pos + got - srcStart, total);
    if (got < want) break;
    pos += got;
  }
  return written;
}
async function zeroNonZero(fd, dbuf, pos, len) {
  const got = await readFull(fd, dbuf, len, pos);
  const runs = [];
  forEachNonZeroRun(dbuf, got, pos, (s, e) => runs.push([s, e]));
  for (const [s, e] of runs) await writeFull(fd, ZERO_CHUNK, 0, e - s, pos + s);
}
async function punchOrZero(fd, pos, len, n2) {
  if (len <= 0) return;
  if (n2) {
    try {
      n2.punchHole(fd, pos, len);
      return;
    } catch (err) {
      const code = err.code;
      if (code !== "EOPNOTSUPP" && code !== "ENOSYS" && code !== "EINVAL") throw err;
    }
  }
  const dbuf = Buffer.allocUnsafe(CHUNK);
  for (let off2 = 0; off2 < len; ) {
    const want = Math.min(len - off2, CHUNK - (pos + off2) % CHUNK);
    await zeroNonZero(fd, dbuf, pos + off2, want);
    off2 += want;
  }
}

// src/text.ts
var hex2 = (n2) => `\\x${n2.toString(16).padStart(2, "0")}`;
var isBidi = (cp) => cp === 1564 || cp === 8206 || cp === 8207 || cp >= 8234 && cp <= 8238 || cp >= 8294 && cp <= 8297;
var isControl = (cp) => cp < 32 || cp >= 127 && cp <= 159;
var PLAIN = /^[\x20-\x5b\x5d-\x7e]*$/;
function utf8At(b, i2) {
  const c3 = b[i2];
  const len = c3 >= 194 && c3 <= 223 ? 2 : c3 >= 224 && c3 <= 239 ? 3 : c3 >= 240 && c3 <= 244 ? 4 : 0;
  if (!len || i2 + len > b.length) return void 0;
  let cp = c3 & (len === 2 ? 31 : len === 3 ? 15 : 7);
  for (let k = 1; k < len; k++) {
    const x = b[i2 + k];
    if ((x & 192) !== 128) return void 0;
    cp = cp << 6 | x & 63;
  }
  const min = len === 2 ? 128 : len === 3 ? 2048 : 65536;
  if (cp < min || cp > 1114111 || cp >= 55296 && cp <= 57343) return void 0;
  return { len, cp };
}
function printableBytes(s) {
  if (typeof s === "string" && PLAIN.test(s)) return s;
  const b = typeof s === "string" ? Buffer.from(s, "latin1") : s;
  let out = "";
  for (let i2 = 0; i2 < b.length; ) {
    const c3 = b[i2];
    if (c3 < 128) {
      out += c3 < 32 || c3 === 127 ? hex2(c3) : c3 === 92 ? "\\\\" : String.fromCharCode(c3);
      i2++;
      continue;
    }
    const u2 = utf8At(b, i2);
    if (!u2) {
      out += hex2(c3);
      i2++;
      continue;
    }
    if (isControl(u2.cp) || isBidi(u2.cp)) for (let k = 0; k < u2.len; k++) out += hex2(b[i2 + k]);
    else out += String.fromCodePoint(u2.cp);
    i2 += u2.len;
  }
  return out;
}

// src/content/tree.ts
function fromUtf8(s) {
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, "utf8").toString("latin1");
}
function hostPath(s) {
  return Buffer.from(s, "latin1");
}
function show(s) {
  return printableBytes(s);
}
function isUtf8(s) {
  if (/^[\x00-\x7f]*$/.test(s)) return true;
  const b = Buffer.from(s, "latin1");
  return Buffer.from(b.toString("utf8"), "utf8").equals(b);
}
var bstr = (b) => b.toString("latin1");
var FileTree = class {
  map = /* @__PURE__ */ new Map();
  childIndex;
  /** Adds an entry; creates missing parent directories (mode 0755). Replaces a previous
   *  non-directory entry at the same path; adding a directory over a directory keeps the
   *  old one unless the old one is implicit (then the new one wins). */
  add(path35, entry) {
    const p = normalizeTreePath(path35);
    this.childIndex = void 0;
    if (p === "/") {
      if (entry.kind !== "dir") throw new Error("the root of a tree must be a directory");
      this.map.set("/", entry);
      return;
    }
    this.ensureDir(parentOf(p));
    const old = this.map.get(p);
    if (old && old.kind === "dir" && entry.kind === "dir") {
      if (old.implicit || entry.source !== void 0) this.map.set(p, entry);
      return;
    }
    if (old && old.kind === "dir") {
      throw new Error(`${show(p)} is a directory and cannot be replaced by a ${entry.kind === "data" ? "file" : entry.kind}`);
    }
    if (old && entry.kind === "dir") {
      throw new Error(`${show(p)} is a ${old.kind === "data" ? "file" : old.kind} and cannot be replaced by a directory`);
    }
    if (entry.kind === "file" && entry.linkKey === void 0) {
      try {
        const st = statSync2(hostPath(entry.source));
        entry = { ...entry, linkKey: `${st.dev}:${st.ino}`, ...(st.mode & 4095) !== entry.mode ? { hostMode: st.mode & 4095 } : {} };
      } catch {
      }
    }
    this.map.set(p, entry);
  }
  /**
   * Adds the host directory `source` at `path` (its contents copied as data, see above).
   * A directory that already has a host source is expanded one level so both merge: the
   * later copy wins for files, and a directory meeting a non-directory is an error.
   */
  addHostDir(path35, source, mode, follow = false) {
    const p = normalizeTreePath(path35);
    const old = this.map.get(p);
    if (old && old.kind !== "dir") {
      throw new Error(`${show(p)} is a ${old.kind === "data" ? "file" : old.kind} and cannot be replaced by a directory`);
    }
    if (!old || old.source === void 0) {
      if (p !== "/") this.ensureDir(parentOf(p));
      this.childIndex = void 0;
      this.map.set(p, { kind: "dir", mode, source, ...follow ? { follow } : {} });
      return;
    }
    this.map.set(p, { kind: "dir", mode });
    this.childIndex = void 0;
    this.expandHostChildren(p, old.source, old.follow === true);
    this.expandHostChildren(p, source, follow);
  }
  /** Adds the host path `host` (a file, directory or symlink; with `follow`, symlinks
   *  followed) at `path` as what it is: a directory becomes a host directory. */
  addHost(path35, host, follow = false) {
    const w = hostEntry(path35, host, follow);
    if (w.kind === "dir") this.addHostDir(path35, host, w.mode, follow);
    else {
      const { path: _p, ...e } = w;
      this.add(path35, e);
    }
  }
  expandHostChildren(p, source, follow) {
    for (const name of readHostDir(source)) this.addHost(joinPath(p, name), joinHost(source, name), follow);
  }
  /** Makes sure `path` is a directory (an implicit one, mode `mode`, when missing). */
  ensureDir(path35, mode = 493) {
    const p = normalizeTreePath(path35);
    const e = this.map.get(p);
    if (e) {
      if (e.kind !== "dir") throw new Error(`${show(p)} is a ${e.kind === "data" ? "file" : e.kind}, not a directory`);
      return;
    }
    this.childIndex = void 0;
    if (p !== "/") this.ensureDir(parentOf(p));
    this.map.set(p, { kind: "dir", mode, implicit: true });
  }
  get(path35) {
    return this.map.get(normalizeTreePath(path35));
  }
  /** The entry at `path` (no symlink followed), looking inside host directories too. */
  lookup(path35) {
    const p = normalizeTreePath(path35);
    const own = this.map.get(p);
    if (own) return own;
    let dir = p;
    const rest = [];
    while (dir !== "/") {
      rest.unshift(dir.slice(dir.lastIndexOf("/") + 1));
      dir = parentOf(dir);
      const e = this.map.get(dir);
      if (!e) continue;
      if (e.kind !== "dir") return void 0;
      if (e.source === void 0) continue;
      let host = e.source;
      for (const [k, name] of rest.entries()) {
        host = joinHost(host, name);
        let st;
        try {
          st = statHost(host, e.follow === true);
        } catch {
          return void 0;
        }
        if (!st) return void 0;
        if (k < rest.length - 1 && !st.isDirectory()) return void 0;
        if (k === rest.length - 1) {
          if (st.isDirectory()) return { kind: "dir", mode: st.mode & 4095, source: host };
          if (st.isSymbolicLink()) return { kind: "symlink", target: readHostLink(host) };
          return { kind: "file", mode: st.mode & 4095, size: st.size, source: host };
        }
      }
    }
    return void 0;
  }
  has(path35) {
    return this.map.has(normalizeTreePath(path35));
  }
  /** Number of explicit entries (host directories count as one). */
  get size() {
    return this.map.size;
  }
  /** The explicit entries (host directories not expanded), sorted, root included. */
  explicitEntries() {
    if (!this.map.has("/")) this.map.set("/", { kind: "dir", mode: 493, implicit: true });
    return [...this.map.entries()].sort((a2, b) => comparePaths(a2[0], b[0]));
  }
  /** The whole expanded tree as [path, entry] pairs, sorted. Loads everything: for small
   *  trees (FAT, swap, raw); big ones use walkTree. */
  entries() {
    const out = [];
    for (const w of walkTree(this)) {
      switch (w.kind) {
        case "dir":
          out.push([w.path, { kind: "dir", mode: w.mode }]);
          break;
        case "file":
          out.push([w.path, { kind: "file", mode: w.mode, size: w.size, source: w.source }]);
          break;
        case "data":
          out.push([w.path, { kind: "data", mode: w.mode, data: w.data }]);
          break;
        case "symlink":
          out.push([w.path, { kind: "symlink", target: w.target }]);
          break;
      }
    }
    return out;
  }
  /** Host directory sources that contain, or are inside, another source (real paths compared). */
  overlappingSources() {
    const srcs = [];
    for (const e of this.map.values()) {
      if (e.kind !== "dir" || e.source === void 0) continue;
      let real = e.source;
      try {
        real = realpathSync(hostPath(e.source), { encoding: "buffer" }).toString("latin1");
      } catch {
      }
      srcs.push([e.source, real.endsWith("/") ? real : real + "/"]);
    }
    const out = /* @__PURE__ */ new Set();
    const sorted = [...srcs].sort((a2, b) => cmp(a2[1], b[1]));
    const stack = [];
    for (const cur of sorted) {
      while (stack.length && !cur[1].startsWith(stack[stack.length - 1][1])) stack.pop();
      if (stack.length) {
        out.add(cur[0]);
        for (const a2 of stack) out.add(a2[0]);
      }
      stack.push(cur);
    }
    return out;
  }
  /** The inodes ("dev:ino") of the explicit host files. */
  explicitLinkKeys() {
    const keys = /* @__PURE__ */ new Set();
    for (const e of this.map.values()) if (e.kind === "file" && e.linkKey !== void 0) keys.add(e.linkKey);
    return keys;
  }
  /** Explicit children names of every explicit directory, sorted by bytes. */
  children(dir) {
    if (!this.childIndex) {
      const idx = /* @__PURE__ */ new Map();
      for (const p of this.map.keys()) {
        if (p === "/") continue;
        const parent = parentOf(p);
        let l = idx.get(parent);
        if (!l) idx.set(parent, l = []);
        l.push(p.slice(p.lastIndexOf("/") + 1));
      }
      for (const l of idx.values()) l.sort(cmp);
      this.childIndex = idx;
    }
    return this.childIndex.get(dir) ?? [];
  }
  /** Total bytes of regular file contents (walks host directories). */
  contentBytes() {
    let n2 = 0;
    for (const e of walkTree(this)) {
      if (e.kind === "file") n2 += e.size;
      else if (e.kind === "data") n2 += e.data.length;
    }
    return n2;
  }
};
var cmp = (a2, b) => a2 < b ? -1 : a2 > b ? 1 : 0;
function comparePaths(a2, b) {
  return cmp(a2.replaceAll("/", "\0"), b.replaceAll("/", "\0"));
}
function normalizeTreePath(path35) {
  if (!path35.startsWith("/")) throw new Error(`tree path must be absolute: ${show(path35)}`);
  if (!path35.includes("//") && !path35.includes("/.") && !(path35.length > 1 && path35.endsWith("/"))) return path35;
  const parts = [];
  for (const c3 of path35.split("/")) {
    if (c3 === "" || c3 === ".") continue;
    if (c3 === "..") throw new Error(`tree path must not contain "..": ${show(path35)}`);
    parts.push(c3);
  }
  return "/" + parts.join("/");
}
function parentOf(p) {
  const i2 = p.lastIndexOf("/");
  return i2 <= 0 ? "/" : p.slice(0, i2);
}
var joinPath = (dir, name) => dir === "/" ? `/${name}` : `${dir}/${name}`;
var joinHost = (dir, name) => dir.endsWith("/") ? dir + name : `${dir}/${name}`;
function hostError(host, err) {
  const code = err.code;
  if (code === "ENOENT") return inputError(`${show(host)} disappeared while it was being read`);
  if (code === "ELOOP") return inputError(`${show(host)}: too many levels of symbolic links (a symlink loop?)`);
  if (code === "EACCES" || code === "EPERM") return inputError(`cannot read ${show(host)}: permission denied`);
  if (code === "ENAMETOOLONG") {
    return inputError(`cannot read ${show(host)}: the host path is ${host.length} bytes, more than Linux allows (4095); move the input to a shorter path or make it shallower`);
  }
  return inputError(`cannot read ${show(host)}: ${err.message}`);
}
function statError(host, follow, err) {
  if (follow && err.code === "ENOENT") {
    return inputError(`${show(host)} is a dangling symlink (the copy follows symlinks: "dereference": true)`);
  }
  return hostError(host, err);
}
function lstatHost(host, follow) {
  try {
    return follow ? statSync2(hostPath(host)) : lstatSync2(hostPath(host));
  } catch (err) {
    throw statError(host, follow, err);
  }
}
function readHostDir(host) {
  try {
    return readdirSync3(hostPath(host), { encoding: "buffer" }).map(bstr).sort(cmp);
  } catch (err) {
    throw hostError(host, err);
  }
}
var ScannedStat = class {
  constructor(mode, size, dev, ino, nlink, err, target, targetErr) {
    this.mode = mode;
    this.size = size;
    this.dev = dev;
    this.ino = ino;
    this.nlink = nlink;
    this.err = err;
    this.target = target;
    this.targetErr = targetErr;
  }
  mode;
  size;
  dev;
  ino;
  nlink;
  err;
  target;
  targetErr;
  is(type) {
    return (this.mode & fsc2.S_IFMT) === type;
  }
  isDirectory() {
    return this.is(fsc2.S_IFDIR);
  }
  isFile() {
    return this.is(fsc2.S_IFREG);
  }
  isSymbolicLink() {
    return this.is(fsc2.S_IFLNK);
  }
  isFIFO() {
    return this.is(fsc2.S_IFIFO);
  }
  isSocket() {
    return this.is(fsc2.S_IFSOCK);
  }
  isBlockDevice() {
    return this.is(fsc2.S_IFBLK);
  }
  isCharacterDevice() {
    return this.is(fsc2.S_IFCHR);
  }
};
var ERRNO_CODES = new Map(Object.entries(os3.constants.errno).map(([k, v]) => [v, k]));
function errnoError(errno, syscall, p) {
  const code = ERRNO_CODES.get(errno) ?? "EIO";
  return Object.assign(new Error(`${code}: ${syscall} '${show(p)}'`), { code, errno: -errno, syscall });
}
function scanHostDir(host, follow) {
  const scan = loadNative()?.scanDir;
  if (!scan) return void 0;
  const r = scan(hostPath(host), follow);
  if ("errno" in r) throw hostError(host, errnoError(r.errno, "scandir", host));
  const names = [];
  const stats = [];
  let t = 0;
  for (let a2 = 0, i2 = 0; a2 < r.names.length; i2++) {
    const z = r.names.indexOf(0, a2);
    const name = r.names.toString("latin1", a2, z);
    a2 = z + 1;
    names.push(name);
    const m = r.meta.subarray(i2 * 6, i2 * 6 + 6);
    const child = joinHost(host, name);
    if (m[0] < 0) {
      stats.push(new ScannedStat(0, 0, 0, 0, 0, errnoError(-m[0], follow ? "stat" : "lstat", child)));
      continue;
    }
    let target;
    let targetErr;
    if ((m[0] & fsc2.S_IFMT) === fsc2.S_IFLNK) {
      const z2 = r.targets.indexOf(0, t);
      if (m[5] < 0) targetErr = errnoError(-m[5], "readlink", child);
      else target = r.targets.toString("latin1", t, z2);
      t = z2 + 1;
    }
    stats.push(new ScannedStat(m[0], m[1], m[2], m[3], m[4], void 0, target, targetErr));
  }
  return { names, stats };
}
function statOf(host, follow, pre) {
  if (!pre) return lstatHost(host, follow);
  if (pre.err) throw statError(host, follow, pre.err);
  return pre;
}
function specialKind(st) {
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  if (st.isBlockDevice()) return "a block device";
  if (st.isCharacterDevice()) return "a character device";
  return "not a regular file, directory or symlink";
}
function hostEntry(p, host, follow, known, keyAll = false, pre) {
  const st = statOf(host, follow, pre);
  if (st.isDirectory()) return { path: p, kind: "dir", mode: st.mode & 4095 };
  if (st.isFile()) {
    let linkKey;
    if (st.nlink > 1 || keyAll) linkKey = `${st.dev}:${st.ino}`;
    else if (known?.size) {
      const k = `${st.dev}:${st.ino}`;
      if (known.has(k)) linkKey = k;
    }
    return { path: p, kind: "file", mode: st.mode & 4095, size: st.size, source: host, ...linkKey ? { linkKey } : {} };
  }
  if (st.isSymbolicLink()) {
    if (pre?.targetErr) throw hostError(host, pre.targetErr);
    return { path: p, kind: "symlink", target: pre?.target ?? readHostLink(host) };
  }
  throw inputError(`${show(host)} is ${specialKind(st)}: imgsmith copies regular files, directories and symlinks only`);
}
function* walkTree(tree, opts2 = {}) {
  const root = tree.get("/") ?? { kind: "dir", mode: 493 };
  if (root.kind !== "dir") throw new Error("the root of a tree must be a directory");
  const dirEnds = opts2.dirEnds === true;
  const known = tree.explicitLinkKeys();
  const overlapping = tree.overlappingSources();
  const stack = [];
  const open3 = (p, mode, source, follow, ancestors, keyAll) => {
    const scan = source !== void 0 ? scanHostDir(source, follow) : void 0;
    const host = scan ? scan.names : source !== void 0 ? readHostDir(source) : [];
    stack.push({ p, mode, source, follow, ancestors, keyAll, explicit: tree.children(p), host, scan, i: 0, j: 0 });
    return source !== void 0 ? { path: p, kind: "dir", mode, source } : { path: p, kind: "dir", mode };
  };
  yield open3("/", root.mode, root.source, root.follow === true, root.follow ? /* @__PURE__ */ new Set() : void 0, root.follow === true || root.source !== void 0 && overlapping.has(root.source));
  while (stack.length) {
    const f = stack[stack.length - 1];
    const next = nextChild(f);
    if (!next) {
      stack.pop();
      if (dirEnds) yield { path: f.p, kind: "end", mode: f.mode };
      continue;
    }
    const { name, fromExplicit, pre } = next;
    const cp = joinPath(f.p, name);
    const hostChild = next.fromHost ? joinHost(f.source, name) : void 0;
    if (fromExplicit) {
      const e = tree.get(cp);
      if (e.kind === "dir") {
        let childSource = e.source;
        let childFollow = e.follow === true;
        let childMode = e.mode;
        if (childSource === void 0 && hostChild !== void 0) {
          const hst = statOf(hostChild, f.follow, pre);
          if (!hst.isDirectory()) {
            throw inputError(`${show(cp)}: a directory of the spec would replace ${show(hostChild)}, which is not a directory`);
          }
          childSource = hostChild;
          childFollow = f.follow;
          if (e.implicit) childMode = hst.mode & 4095;
        }
        const childKeyAll = e.source !== void 0 ? e.follow === true || overlapping.has(e.source) : f.keyAll;
        yield open3(cp, childMode, childSource, childFollow, childFollow ? f.ancestors ?? /* @__PURE__ */ new Set() : void 0, childKeyAll);
      } else {
        if (hostChild !== void 0 && statOf(hostChild, f.follow, pre).isDirectory()) {
          throw inputError(`${show(cp)}: a ${e.kind === "data" ? "file" : e.kind} of the spec would replace the directory ${show(hostChild)}`);
        }
        yield { path: cp, ...e };
      }
      continue;
    }
    const w = hostEntry(cp, hostChild, f.follow, known, f.keyAll, pre);
    if (w.kind !== "dir") {
      yield w;
      continue;
    }
    let anc = f.ancestors;
    if (f.follow) {
      const st = pre ?? statSync2(hostPath(hostChild));
      const key = `${st.dev}:${st.ino}`;
      if (anc?.has(key)) throw inputError(`${show(hostChild)}: a symlink loop (the copy follows symlinks)`);
      anc = new Set(anc ?? []);
      anc.add(key);
    }
    yield open3(cp, w.mode, hostChild, f.follow, anc, f.keyAll);
  }
}
function nextChild(f) {
  const en = f.explicit[f.i];
  const hn = f.host[f.j];
  if (en === void 0 && hn === void 0) return void 0;
  const pre = f.scan?.stats[f.j];
  if (hn === void 0 || en !== void 0 && en < hn) {
    f.i++;
    return { name: en, fromExplicit: true, fromHost: false, pre };
  }
  if (en === void 0 || hn < en) {
    f.j++;
    return { name: hn, fromExplicit: false, fromHost: true, pre };
  }
  f.i++;
  f.j++;
  return { name: en, fromExplicit: true, fromHost: true, pre };
}
function statHost(host, follow = false) {
  try {
    return follow ? statSync2(hostPath(host)) : lstatSync2(hostPath(host));
  } catch (err) {
    const code = err.code;
    if (code === "ENOENT" || code === "ENOTDIR") return void 0;
    throw hostError(host, err);
  }
}
function readHostLink(host) {
  try {
    return readlinkSync(hostPath(host), { encoding: "buffer" }).toString("latin1");
  } catch (err) {
    throw hostError(host, err);
  }
}
function resolveLinks(p, link, opts2 = {}) {
  let todo = p.split("/").filter(Boolean);
  let done = "";
  let hops = 0;
  while (todo.length) {
    const c3 = todo.shift();
    if (c3 === ".") continue;
    if (c3 === "..") {
      done = done.slice(0, Math.max(0, done.lastIndexOf("/")));
      continue;
    }
    const next = `${done}/${c3}`;
    const t = link(next);
    if (t === null && opts2.mustExist) return null;
    if (typeof t !== "string") {
      done = next;
      continue;
    }
    if (++hops > 40) {
      if (opts2.mustExist) return null;
      throw inputError(`${show(p)}: too many levels of symbolic links (a symlink loop?)`);
    }
    if (t.startsWith("/")) done = "";
    todo = [...t.split("/").filter(Boolean), ...todo];
  }
  return done || "/";
}

// src/spec-check.ts
import path9 from "node:path";

// src/labels.ts
var FAT_LABEL_FORBIDDEN = '*?.,;:/\\|+=<>[]"';
var LABEL_MAX_BYTES = { vfat: 11, ext4: 16, btrfs: 255, swap: 15 };
var FS_NAME = { vfat: "FAT", ext4: "ext4", btrfs: "btrfs", swap: "swap" };
function labelProblem(fs3, label2) {
  const name = FS_NAME[fs3];
  const max = LABEL_MAX_BYTES[fs3];
  const n2 = Buffer.byteLength(label2, "utf8");
  if (n2 === 0) return `the ${name} label is empty; leave "label" out for no label`;
  if (n2 > max) return `the ${name} label "${label2}" is ${n2} bytes long; ${name} labels hold at most ${max} bytes`;
  for (const ch of label2) {
    const c3 = ch.codePointAt(0);
    if (c3 < 32 || c3 === 127) return `the ${name} label ${JSON.stringify(label2)} contains a control character`;
    if (fs3 === "vfat") {
      if (c3 > 126) return `the FAT label "${label2}" contains the non-ASCII character "${ch}"; FAT labels are ASCII`;
      if (FAT_LABEL_FORBIDDEN.includes(ch)) {
        return `the FAT label "${label2}" contains "${ch}"; FAT labels cannot contain any of ${FAT_LABEL_FORBIDDEN} or control characters`;
      }
    }
  }
  if (fs3 === "vfat" && label2.startsWith(" ")) return `the FAT label "${label2}" starts with a space`;
  return null;
}

// src/uuid.ts
var UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
function uuidFromHash(digest) {
  const d = Buffer.from(digest.subarray(0, 16));
  d[6] = d[6] & 15 | 64;
  d[8] = d[8] & 63 | 128;
  const x = d.toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

// src/spec-check.ts
function distance(a2, b) {
  const d = Array.from({ length: b.length + 1 }, (_, i2) => i2);
  for (let i2 = 1; i2 <= a2.length; i2++) {
    let prev = d[0];
    d[0] = i2;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a2[i2 - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}
function hint(word, choices) {
  let best;
  let bestD = Infinity;
  for (const c3 of choices) {
    const dd = distance(word.toLowerCase(), c3.toLowerCase());
    if (dd < bestD) {
      bestD = dd;
      best = c3;
    }
  }
  return best !== void 0 && bestD <= Math.max(2, Math.floor(word.length / 3)) ? ` (did you mean "${best}"?)` : "";
}
function describe(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v)}`;
}
function obj(v, where2, allowed, required = []) {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw usageError(`${where2}: expected an object, got ${describe(v)}`);
  }
  const o2 = v;
  for (const k of Object.keys(o2)) {
    if (!allowed.includes(k)) {
      throw usageError(`${where2}: unknown key "${k}"${hint(k, allowed)}; expected one of: ${allowed.join(", ")}`);
    }
  }
  for (const k of required) {
    if (o2[k] === void 0) throw usageError(`${where2}: missing required key "${k}"`);
  }
  return o2;
}
function str(v, where2, opts2 = {}) {
  if (typeof v !== "string") throw usageError(`${where2}: expected a string, got ${describe(v)}`);
  if ((opts2.nonEmpty ?? true) && v.length === 0) throw usageError(`${where2}: must not be empty`);
  if (opts2.pattern && !opts2.pattern.test(v)) {
    throw usageError(`${where2}: "${v}" is not ${opts2.what ?? `a match for ${opts2.pattern}`}`);
  }
  return v;
}
function bool(v, where2, dflt) {
  if (v === void 0) return dflt;
  if (typeof v !== "boolean") throw usageError(`${where2}: expected true or false, got ${describe(v)}`);
  return v;
}
function oneOf(v, where2, choices) {
  if (!choices.includes(v)) {
    const h2 = typeof v === "string" ? hint(v, choices.map(String)) : "";
    throw usageError(`${where2}: expected one of ${choices.map((c3) => JSON.stringify(c3)).join(", ")}, got ${describe(v)}${h2}`);
  }
  return v;
}
function arr(v, where2) {
  if (!Array.isArray(v)) throw usageError(`${where2}: expected an array, got ${describe(v)}`);
  return v;
}
function u32(v, where2) {
  let n2;
  if (typeof v === "number") n2 = v;
  else if (typeof v === "string" && /^0x[0-9a-fA-F]{1,8}$/.test(v)) n2 = parseInt(v.slice(2), 16);
  else if (typeof v === "string" && /^[0-9a-fA-F]{8}$/.test(v)) n2 = parseInt(v, 16);
  else throw usageError(`${where2}: expected a 32-bit id such as "0x2178694e", got ${describe(v)}`);
  if (!Number.isInteger(n2) || n2 < 0 || n2 > 4294967295) {
    throw usageError(`${where2}: ${v} does not fit in 32 bits`);
  }
  return n2;
}
function uuid(v, where2) {
  if (v === void 0) return void 0;
  return str(v, where2, { pattern: UUID_RE, what: "a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)" }).toLowerCase();
}
function sizeSpec(v, where2) {
  if (v === "auto" || v === "fill") return v;
  const n2 = parseSize(v, where2);
  if (n2 === 0) throw usageError(`${where2}: a partition size must be greater than 0`);
  return n2;
}
function label(v, where2, fs3) {
  if (v === void 0) return void 0;
  const l = str(v, where2, { nonEmpty: false });
  const problem = labelProblem(fs3, l);
  if (problem) throw usageError(`${where2}: ${problem}`);
  return l;
}
var SOURCE_ROOTS = ["firmware", "spec", "toplevel"];
function sourceRoot(v, where2) {
  return oneOf(v, where2, SOURCE_ROOTS);
}
function relPath(v, where2, allowEscape = false) {
  const p = str(v, where2);
  if (p.startsWith("/") || !allowEscape && path9.posix.normalize(p).split("/").includes("..")) {
    throw usageError(
      `${where2}: "${p}" must be a relative path inside its source (no leading "/", and no ".." that leaves it${allowEscape ? "" : '; set "allowEscape": true on the item to read outside on purpose'})`
    );
  }
  return p;
}
var schemaOf = {
  /** A size: bytes, or a string with a unit ("30MiB", "1.5GiB"). */
  size: { anyOf: [{ type: "integer", minimum: 0 }, { type: "string", pattern: "^\\s*[0-9]" }], description: 'bytes, or a number with a unit such as "30MiB"' },
  uuid: { type: "string", pattern: UUID_RE.source },
  /** A 32-bit id: a number or hex ("0x2178694e"). */
  id32: { anyOf: [{ type: "integer", minimum: 0, maximum: 4294967295 }, { type: "string", pattern: "^(0x[0-9a-fA-F]{1,8}|[0-9a-fA-F]{8})$" }] },
  label: (what) => ({ type: "string", description: what }),
  source: {
    type: "object",
    properties: { from: { enum: [...SOURCE_ROOTS] }, path: { type: "string", minLength: 1 } },
    required: ["from", "path"],
    additionalProperties: false
  }
};

// src/fs/vfat.ts
function fatEntries(tree) {
  return tree.entries().map(([p, e]) => {
    if (!isUtf8(p)) throw inputError(`${show(p)}: the name is not valid UTF-8, which FAT cannot store (it keeps names as UTF-16)`);
    return [Buffer.from(p, "latin1").toString("utf8"), e];
  });
}
var SS = 512;
var N_FATS = 2;
var ROOT_ENTRIES = 512;
var DIRENT = 32;
var CHUNK2 = 1 << 20;
var FAT12_MAX = 4084;
var FAT16_MIN = 4087;
var FAT16_MAX = 65524;
var FAT32_MIN = 65526;
var FAT_EPOCH_MIN = 315532800;
var FAT_EPOCH_MAX = 4354819198;
function mkfsFatChoice(sectors, forced) {
  const MAX_CLUST_12 = 4084, MIN_CLUST_16 = 4087, MAX_CLUST_16 = 65524, MIN_CLUST_32 = 65525, MAX_CLUST_32 = 268435446;
  let sizeFat = forced;
  if (!sizeFat && sectors * SS >= 512 * MiB2) sizeFat = 32;
  let cluster = 4;
  if (sizeFat === 32) {
    const G2 = 1024 * 1024 * 2;
    cluster = sectors > 32 * G2 ? 64 : sectors > 16 * G2 ? 32 : sectors > 8 * G2 ? 16 : sectors > 260 * 1024 * 2 ? 8 : 1;
  }
  const reserved = sizeFat === 32 ? 32 : 1;
  const rootDirSectors = sizeFat === 32 ? 0 : Math.ceil(ROOT_ENTRIES * DIRENT / SS);
  const spt = sectors <= 4096 ? 16 : sectors <= 524288 ? 32 : 63;
  const num = Math.min(Math.floor(sectors / spt) * spt, 4294967295);
  const align = num > 8192;
  const alignObj = (n2, c3) => align ? Math.ceil(n2 / c3) * c3 : n2;
  const cdiv = (a2, b) => Math.ceil(a2 / b);
  for (; cluster <= 128; cluster *= 2) {
    const fatdata32 = num - alignObj(reserved, cluster);
    const fatdata1216 = fatdata32 - alignObj(rootDirSectors, cluster);
    let clust12 = Math.floor(2 * (fatdata1216 * SS + N_FATS * 3) / (2 * cluster * SS + N_FATS * 3));
    const fatlength12 = alignObj(cdiv((clust12 + 2) * 3 + 1 >> 1, SS), cluster);
    clust12 = Math.floor((fatdata1216 - N_FATS * fatlength12) / cluster);
    if (clust12 > Math.min(Math.floor(fatlength12 * 2 * SS / 3), MAX_CLUST_12)) clust12 = 0;
    let clust16 = Math.floor((fatdata1216 * SS + N_FATS * 4) / (cluster * SS + N_FATS * 2));
    const fatlength16 = alignObj(cdiv((clust16 + 2) * 2, SS), cluster);
    clust16 = Math.floor((fatdata1216 - N_FATS * fatlength16) / cluster);
    if (clust16 > Math.min(Math.floor(fatlength16 * SS / 2), MAX_CLUST_16)) clust16 = 0;
    if (clust16 && clust16 < MIN_CLUST_16) clust16 = 0;
    let clust32 = Math.floor((fatdata32 * SS + N_FATS * 8) / (cluster * SS + N_FATS * 4));
    const fatlength32 = alignObj(cdiv((clust32 + 2) * 4, SS), cluster);
    clust32 = Math.floor((fatdata32 - N_FATS * fatlength32) / cluster);
    if (clust32 > Math.min(Math.floor(fatlength32 * SS / 4), MAX_CLUST_32)) clust32 = 0;
    if (clust32 && clust32 < MIN_CLUST_32 && forced !== 32) clust32 = 0;
    if (clust12 && sizeFat === 0 || clust16 && (sizeFat === 0 || sizeFat === 16) || clust32 && sizeFat === 32) {
      const fatBits = sizeFat === 0 ? clust16 > clust12 ? 16 : 12 : sizeFat;
      return { fatBits, clusterSectors: cluster };
    }
  }
  return null;
}
function fatfsLayout(sectors, fat32, au, blk) {
  const MAX_FAT12 = 4085, MAX_FAT16 = 65525, MAX_FAT32 = 268435445;
  if (sectors < 128 || sectors > 4294967295) return null;
  let fsty = fat32 ? 32 : 16;
  let nClst = Math.floor(sectors / au);
  let szFat, szRsv, szDir;
  if (fsty === 32) {
    szFat = Math.ceil((nClst * 4 + 8) / SS);
    szRsv = 32;
    szDir = 0;
    if (nClst <= MAX_FAT16 || nClst > MAX_FAT32) return null;
  } else {
    let n3;
    if (nClst > MAX_FAT12) n3 = nClst * 2 + 4;
    else {
      fsty = 12;
      n3 = Math.floor((nClst * 3 + 1) / 2) + 3;
    }
    szFat = Math.ceil(n3 / SS);
    szRsv = 1;
    szDir = ROOT_ENTRIES * DIRENT / SS;
  }
  const bData = szRsv + szFat * N_FATS + szDir;
  let n2 = alignUp(bData, blk) - bData;
  if (fsty === 32) szRsv += n2;
  else {
    if (n2 % N_FATS) {
      n2--;
      szRsv++;
    }
    szFat += Math.floor(n2 / N_FATS);
  }
  if (sectors < bData + au * 16) return null;
  nClst = Math.floor((sectors - szRsv - szFat * N_FATS - szDir) / au);
  if (fsty === 32 && nClst <= MAX_FAT16) return null;
  if (fsty === 16 && (nClst > MAX_FAT16 || nClst <= MAX_FAT12)) return null;
  if (fsty === 12 && nClst > MAX_FAT12) return null;
  return {
    fatBits: fsty,
    sectors,
    clusterSectors: au,
    reservedSectors: szRsv,
    fatSectors: szFat,
    rootDirSectors: szDir,
    dataStart: szRsv + szFat * N_FATS + szDir,
    clusters: nClst,
    mkfs: { fmt: (fat32 ? FM_FAT32 : FM_FAT) | FM_SFD, au: au * SS, align: blk }
  };
}
function unambiguous(l) {
  if (l.fatBits === 12) return l.clusters <= FAT12_MAX;
  if (l.fatBits === 16) return l.clusters >= FAT16_MIN && l.clusters <= FAT16_MAX;
  return l.clusters >= FAT32_MIN;
}
function vfatLayout(size, fatType) {
  const sectors = Math.floor(size / SS);
  if (sectors < 128) return null;
  const forced = fatType === "auto" ? 0 : fatType;
  const choice = mkfsFatChoice(sectors, forced);
  const want = choice?.fatBits ?? (forced || (size >= 512 * MiB2 ? 32 : 16));
  const start = choice?.clusterSectors ?? (want === 32 ? 1 : 4);
  for (let au = start; au <= 128; au *= 2) {
    const l = fatfsLayout(sectors, want === 32, au, sectors > 8192 ? au : 1);
    if (l && l.fatBits === want && unambiguous(l)) return l;
  }
  return null;
}
var minimumSizes = /* @__PURE__ */ new Map();
function minimumFatSize(fatType) {
  let min = minimumSizes.get(fatType);
  if (min === void 0) {
    for (let mib = 1; min === void 0; mib++) if (vfatLayout(mib * MiB2, fatType)) min = mib * MiB2;
    minimumSizes.set(fatType, min);
  }
  return min;
}
var FAT16_LIMIT = 4 * 1024 * MiB2;
var FAT_LIMIT = 2 * 1024 * 1024 * MiB2 - MiB2;
function normalizeVfatLabel(label2) {
  const problem = labelProblem("vfat", label2);
  return problem === null ? { ok: true, label: label2 } : { ok: false, reason: problem };
}
var NAME_FORBIDDEN = '"*:<>?\\|';
var SFN_CHARS = /^[A-Za-z0-9!#$%&'()@^_`{}~-]+$/;
function badFatName(name) {
  for (const ch of name) {
    const c3 = ch.codePointAt(0);
    if (c3 < 32 || c3 === 127) return "contains a control character";
    if (NAME_FORBIDDEN.includes(ch)) return `contains "${ch}"; FAT names cannot contain any of ${NAME_FORBIDDEN}`;
  }
  if (/[. ]$/.test(name)) return "ends with a dot or a space, which FAT drops";
  if (name.length > 255) return "is longer than 255 UTF-16 characters";
  return null;
}
function dirSlots(name) {
  const dot = name.lastIndexOf(".");
  const body = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot + 1) : "";
  const oneCase = (s) => s === s.toUpperCase() || s === s.toLowerCase();
  const sfnOk = body.length >= 1 && body.length <= 8 && SFN_CHARS.test(body) && oneCase(body) && (ext === "" || ext.length <= 3 && SFN_CHARS.test(ext) && oneCase(ext)) && !(dot > 0 && ext === "");
  return sfnOk ? 1 : 1 + Math.ceil(name.length / 13);
}
function foldCase(name) {
  let out = "";
  for (const ch of name) {
    const u2 = ch.toUpperCase();
    out += u2.length === ch.length ? u2 : ch;
  }
  return out;
}
function baseName(p) {
  return p.slice(p.lastIndexOf("/") + 1);
}
function parentPath(p) {
  const i2 = p.lastIndexOf("/");
  return i2 <= 0 ? "/" : p.slice(0, i2);
}
function entrySize(e) {
  return e.kind === "file" ? e.size : e.kind === "data" ? e.data.length : 0;
}
function analyse(tree) {
  const slots = /* @__PURE__ */ new Map();
  const needs = { fileSizes: [], dirSlots: [], rootSlots: 0, files: 0, dirs: 0, bytes: 0 };
  for (const [p, e] of fatEntries(tree)) {
    if (p === "/") continue;
    const parent = parentPath(p);
    slots.set(parent, (slots.get(parent) ?? 0) + dirSlots(baseName(p)));
    if (e.kind === "dir") {
      needs.dirs++;
      if (!slots.has(p)) slots.set(p, 0);
    } else {
      needs.files++;
      needs.bytes += entrySize(e);
      needs.fileSizes.push(entrySize(e));
    }
  }
  for (const [p, n2] of slots) {
    if (p === "/") needs.rootSlots = n2;
    else needs.dirSlots.push(n2);
  }
  return needs;
}
function fits(l, needs, hasLabel) {
  const cb = l.clusterSectors * SS;
  let clusters = 0;
  for (const s of needs.fileSizes) clusters += Math.ceil(s / cb);
  for (const n2 of needs.dirSlots) clusters += Math.ceil((2 + n2) * DIRENT / cb);
  const rootSlots = needs.rootSlots + (hasLabel ? 1 : 0);
  if (l.fatBits === 32) clusters += Math.max(1, Math.ceil(rootSlots * DIRENT / cb));
  else if (rootSlots > ROOT_ENTRIES) return { ok: false, clustersNeeded: clusters, rootOverflow: rootSlots };
  return { ok: clusters <= l.clusters, clustersNeeded: clusters };
}
function describe2(spec) {
  return spec.label ? `FAT filesystem "${spec.label}"` : "FAT filesystem";
}
function rootOverflowError(spec, slots) {
  return usageError(
    `${describe2(spec)}: the root directory needs ${slots} directory entries (long names take several), but a FAT12/FAT16 root directory holds ${ROOT_ENTRIES}; use "fatType": 32 or move files into subdirectories`
  );
}
function smallestFit(spec, needs) {
  const hasLabel = !!spec.label;
  let size = spec.fatType === "auto" ? MiB2 : minimumFatSize(spec.fatType);
  size = Math.max(size, alignUp(needs.bytes, MiB2));
  const limit2 = spec.fatType === 16 ? FAT16_LIMIT : FAT_LIMIT;
  while (size <= limit2) {
    const l = vfatLayout(size, spec.fatType);
    if (!l) {
      size += MiB2;
      continue;
    }
    const f = fits(l, needs, hasLabel);
    if (f.rootOverflow !== void 0) throw rootOverflowError(spec, f.rootOverflow);
    if (f.ok) return size;
    const deficit = (f.clustersNeeded - l.clusters) * l.clusterSectors * SS;
    size += alignUp(Math.max(deficit, 1), MiB2);
  }
  throw usageError(
    `${describe2(spec)}: the contents (${formatSize(needs.bytes)}) do not fit in any ${spec.fatType === "auto" ? "FAT" : `FAT${spec.fatType}`} filesystem`
  );
}
function fatTimestamp(epoch) {
  return Math.min(Math.max(Math.floor(epoch), FAT_EPOCH_MIN), FAT_EPOCH_MAX);
}
function pinnedClock(epoch, fn) {
  const RealDate = globalThis.Date;
  const ms = epoch * 1e3;
  class PinnedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(ms);
      else super(...args);
    }
    static now() {
      return ms;
    }
    getSeconds() {
      return this.getUTCSeconds();
    }
    getMinutes() {
      return this.getUTCMinutes();
    }
    getHours() {
      return this.getUTCHours();
    }
    getDate() {
      return this.getUTCDate();
    }
    getDay() {
      return this.getUTCDay();
    }
    getMonth() {
      return this.getUTCMonth();
    }
    getFullYear() {
      return this.getUTCFullYear();
    }
    getTimezoneOffset() {
      return 0;
    }
  }
  globalThis.Date = PinnedDate;
  try {
    return fn();
  } finally {
    globalThis.Date = RealDate;
  }
}
function fatDateTime(epoch) {
  const d = new Date(epoch * 1e3);
  return {
    date: d.getUTCFullYear() - 1980 << 9 | d.getUTCMonth() + 1 << 5 | d.getUTCDate(),
    time: d.getUTCHours() << 11 | d.getUTCMinutes() << 5 | d.getUTCSeconds() >> 1
  };
}
var ZERO_SECTOR = new Uint8Array(SS);
var MARK_CHUNK_BITS = 19;
var ImageDevice = class {
  constructor(fd, base, sectors) {
    this.fd = fd;
    this.base = base;
    this.sectors = sectors;
  }
  fd;
  base;
  sectors;
  /** Sectors that hold non-zero data in the file (lazily allocated bitmap chunks). */
  marks = /* @__PURE__ */ new Map();
  error;
  bytesWritten = 0;
  marked(s) {
    const chunk = this.marks.get(s >>> MARK_CHUNK_BITS);
    if (!chunk) return false;
    const i2 = s & (1 << MARK_CHUNK_BITS) - 1;
    return (chunk[i2 >>> 3] & 1 << (i2 & 7)) !== 0;
  }
  setMark(s, on6) {
    let chunk = this.marks.get(s >>> MARK_CHUNK_BITS);
    if (!chunk) {
      if (!on6) return;
      chunk = new Uint8Array(1 << MARK_CHUNK_BITS - 3);
      this.marks.set(s >>> MARK_CHUNK_BITS, chunk);
    }
    const i2 = s & (1 << MARK_CHUNK_BITS) - 1;
    if (on6) chunk[i2 >>> 3] |= 1 << (i2 & 7);
    else chunk[i2 >>> 3] &= ~(1 << (i2 & 7));
  }
  initialize() {
    return 0;
  }
  status() {
    return 0;
  }
  /** Reads sectors from the image (bypassing FatFs), for patching. */
  readSectors(sector, count2) {
    const out = Buffer.alloc(count2 * SS);
    for (let i2 = 0; i2 < count2; i2++) {
      if (this.marked(sector + i2)) readFully(this.fd, out.subarray(i2 * SS, (i2 + 1) * SS), this.base + (sector + i2) * SS);
    }
    return out;
  }
  /** Writes sectors to the image (bypassing FatFs), for patching. */
  writeSectors(sector, data) {
    this.store(data, sector, data.length / SS);
  }
  read(ff, _pdrv, buff, sector, count2) {
    try {
      if (sector + count2 > this.sectors) return RES_PARERR;
      const heap = ff.HEAPU8;
      let i2 = 0;
      while (i2 < count2) {
        const m = this.marked(sector + i2);
        let j = i2 + 1;
        while (j < count2 && this.marked(sector + j) === m) j++;
        const dst = heap.subarray(buff + i2 * SS, buff + j * SS);
        if (m) readFully(this.fd, dst, this.base + (sector + i2) * SS);
        else dst.fill(0);
        i2 = j;
      }
      return RES_OK;
    } catch (err) {
      this.error ??= err;
      return RES_ERROR;
    }
  }
  write(ff, _pdrv, buff, sector, count2) {
    try {
      if (sector + count2 > this.sectors) return RES_PARERR;
      this.store(ff.HEAPU8.subarray(buff, buff + count2 * SS), sector, count2);
      return RES_OK;
    } catch (err) {
      this.error ??= err;
      return RES_ERROR;
    }
  }
  store(src, sector, count2) {
    let i2 = 0;
    while (i2 < count2) {
      const zero = Buffer.compare(src.subarray(i2 * SS, (i2 + 1) * SS), ZERO_SECTOR) === 0;
      if (zero && !this.marked(sector + i2)) {
        i2++;
        continue;
      }
      let j = i2;
      while (j < count2) {
        const z = Buffer.compare(src.subarray(j * SS, (j + 1) * SS), ZERO_SECTOR) === 0;
        if (z && !this.marked(sector + j)) break;
        this.setMark(sector + j, !z);
        j++;
      }
      writeFully(this.fd, src.subarray(i2 * SS, j * SS), this.base + (sector + i2) * SS);
      this.bytesWritten += (j - i2) * SS;
      i2 = j;
    }
  }
  ioctl(ff, _pdrv, cmd, buff) {
    switch (cmd) {
      case CTRL_SYNC:
        return RES_OK;
      case GET_SECTOR_COUNT:
        ff.setValue(buff, this.sectors, "i32");
        return RES_OK;
      case GET_SECTOR_SIZE:
        ff.setValue(buff, SS, "i16");
        return RES_OK;
      case GET_BLOCK_SIZE:
        ff.setValue(buff, 1, "i32");
        return RES_OK;
      default:
        return RES_PARERR;
    }
  }
};
function readFully(fd, dst, pos) {
  let done = 0;
  while (done < dst.length) {
    const n2 = readSync(fd, dst, done, dst.length - done, pos + done);
    if (n2 === 0) {
      dst.fill(0, done);
      return;
    }
    done += n2;
  }
}
function writeFully(fd, src, pos) {
  let done = 0;
  while (done < src.length) done += writeSync2(fd, src, done, src.length - done, pos + done);
}
var FR_NAMES = {
  1: "FR_DISK_ERR",
  2: "FR_INT_ERR",
  3: "FR_NOT_READY",
  4: "FR_NO_FILE",
  5: "FR_NO_PATH",
  6: "FR_INVALID_NAME",
  7: "FR_DENIED (directory or volume full)",
  8: "FR_EXIST",
  9: "FR_INVALID_OBJECT",
  10: "FR_WRITE_PROTECTED",
  11: "FR_INVALID_DRIVE",
  12: "FR_NOT_ENABLED",
  13: "FR_NO_FILESYSTEM",
  14: "FR_MKFS_ABORTED",
  15: "FR_TIMEOUT",
  16: "FR_LOCKED",
  17: "FR_NOT_ENOUGH_CORE",
  18: "FR_TOO_MANY_OPEN_FILES",
  19: "FR_INVALID_PARAMETER"
};
function putLabel(buf, at, label11) {
  buf.write(label11, at, 11, "latin1");
}
function validateSpec(spec, where2) {
  if (spec.label !== void 0 && spec.label !== "") {
    const r = normalizeVfatLabel(spec.label);
    if (!r.ok) throw usageError(`${where2}: invalid FAT volume label: ${r.reason}`);
  }
  if (!Number.isInteger(spec.volumeId) || spec.volumeId < 0 || spec.volumeId > 4294967295) {
    throw usageError(`${where2}: volumeId must be a 32-bit number, got ${spec.volumeId}`);
  }
  if (spec.fatType !== "auto" && spec.fatType !== 16 && spec.fatType !== 32) {
    throw usageError(`${where2}: fatType must be "auto", 16 or 32, got ${JSON.stringify(spec.fatType)}`);
  }
}
var MAX_DIR_SLOTS = 65536;
function validateTree(tree, where2) {
  const seen = /* @__PURE__ */ new Map();
  const slots = /* @__PURE__ */ new Map();
  for (const [p, e] of fatEntries(tree)) {
    if (p === "/") continue;
    const dir = parentPath(p);
    const used = (slots.get(dir) ?? 2) + dirSlots(baseName(p));
    if (used > MAX_DIR_SLOTS) {
      throw usageError(`${where2}: directory ${dir} has too many entries for FAT (at most ${MAX_DIR_SLOTS} directory slots; long names take several)`);
    }
    slots.set(dir, used);
    if (e.kind === "symlink") {
      throw usageError(`${where2}: ${p} is a symbolic link (to ${e.target}); FAT filesystems cannot hold symbolic links`);
    }
    const name = baseName(p);
    const bad = badFatName(name);
    if (bad) throw usageError(`${where2}: the name of ${p} ${bad}`);
    if (e.kind === "file" && e.size > 4294967295) {
      throw usageError(`${where2}: ${p} is ${formatSize(e.size)}; a file on FAT must be smaller than 4 GiB`);
    }
    const key = `${parentPath(p)}\0${foldCase(name)}`;
    const other = seen.get(key);
    if (other !== void 0) {
      throw usageError(`${where2}: ${other} and ${p} differ only in letter case; FAT file names are case-insensitive`);
    }
    seen.set(key, p);
  }
}
var vfatDriver = {
  type: "vfat",
  inProcess: true,
  noSymlinks: true,
  holdsFiles: true,
  spec: {
    properties: {
      label: schemaOf.label('at most 11 bytes of ASCII, no *?.,;:/\\|+=<>[]" or control characters'),
      volumeId: { ...schemaOf.id32, description: "the volume serial number (default 0x12345678)" },
      fatType: { enum: ["auto", 16, 32], description: 'default "auto": what mkfs.vfat picks for the size' }
    },
    parse(o2, where2) {
      const fatType = o2.fatType === void 0 ? "auto" : oneOf(o2.fatType, `${where2}.fatType`, ["auto", 16, 32]);
      return {
        type: "vfat",
        label: label(o2.label, `${where2}.label`, "vfat"),
        volumeId: o2.volumeId === void 0 ? 305419896 : u32(o2.volumeId, `${where2}.volumeId`),
        fatType
      };
    }
  },
  tools: () => [],
  minimumReason(spec, min) {
    if (spec.fatType === "auto" || min !== minimumFatSize(spec.fatType)) return void 0;
    const l = vfatLayout(min, spec.fatType);
    const clusters = spec.fatType === 32 ? 65525 : 4085;
    const clusterSize = l ? l.clusterSectors * 512 : 512;
    return `FAT${spec.fatType} needs at least ${clusters} clusters, i.e. at least ${formatSize(min)} with ${clusterSize}-byte clusters; make the partition larger or use "fatType": "auto"`;
  },
  validate(spec, tree, where2) {
    validateSpec(spec, where2);
    validateTree(tree, where2);
  },
  async minimumSize(spec, tree) {
    return smallestFit(spec, analyse(tree));
  },
  async write(spec, tree, target, ctx) {
    const what = describe2(spec);
    validateSpec(spec, what);
    validateTree(tree, what);
    const label2 = spec.label ? normalizeVfatLabel(spec.label).label : "";
    if (label2 !== label2.toUpperCase()) {
      ctx.progress.event("warning", { message: `warning: ${what}: lowercase labels might not work properly on some systems (kept as given)` });
    }
    const needs = analyse(tree);
    if (target.offset % SS !== 0) throw buildError(`${what}: partition offset ${target.offset} is not a multiple of ${SS}`);
    const layout = vfatLayout(target.size, spec.fatType);
    if (!layout) {
      if (spec.fatType === 32 || spec.fatType === 16) {
        const min = minimumFatSize(spec.fatType);
        if (target.size < min) {
          throw usageError(`${what}: ${formatSize(target.size)} is too small for FAT${spec.fatType}; the minimum is ${formatSize(min)}`);
        }
        throw usageError(`${what}: ${formatSize(target.size)} is too large for FAT${spec.fatType}`);
      }
      throw usageError(`${what}: cannot make a FAT filesystem of ${formatSize(target.size)}`);
    }
    const fit = fits(layout, needs, !!label2);
    if (fit.rootOverflow !== void 0) throw rootOverflowError(spec, fit.rootOverflow);
    if (!fit.ok) {
      const min = smallestFit(spec, needs);
      const hint2 = min > target.size ? `it needs at least ${formatSize(min)}` : `${formatSize(min)} would do (smaller clusters)`;
      throw usageError(
        `${what}: the partition size ${formatSize(target.size)} is too small for its contents (${formatSize(needs.bytes)} in ${needs.files} files, ${needs.dirs} directories); ${hint2}`
      );
    }
    const epoch = fatTimestamp(ctx.epoch);
    const fd = openSync(target.imagePath, "r+");
    try {
      const st = fstatSync(fd);
      if (st.size < target.offset + target.size) {
        throw buildError(`${what}: the image ${target.imagePath} (${st.size} bytes) ends before the partition end (${target.offset + target.size})`);
      }
      const dev = new ImageDevice(fd, target.offset, layout.sectors);
      const ff = await create({ diskio: dev, codepage: 437 });
      const check = (r, op) => {
        if (r === FR_OK) return;
        if (dev.error) throw buildError(`${what}: writing ${target.imagePath} failed during ${op}: ${dev.error.message}`, dev.error);
        throw buildError(`${what}: FatFs ${op} failed: ${FR_NAMES[r] ?? r}`);
      };
      const WORK = 64 * 1024;
      const work = ff.malloc(WORK);
      check(
        pinnedClock(epoch, () => ff.f_mkfs("", { fmt: layout.mkfs.fmt, n_fat: N_FATS, align: layout.mkfs.align, n_root: ROOT_ENTRIES, au_size: layout.mkfs.au }, work, WORK)),
        "f_mkfs"
      );
      ff.free(work);
      const bs = dev.readSectors(0, 1);
      const got = {
        clusterSectors: bs[13],
        reservedSectors: bs.readUInt16LE(14),
        fatSectors: bs.readUInt16LE(22) || bs.readUInt32LE(36),
        rootDirSectors: bs.readUInt16LE(17) * DIRENT / SS
      };
      for (const k of Object.keys(got)) {
        if (got[k] !== layout[k]) {
          throw buildError(`${what}: internal error: FatFs made ${k}=${got[k]}, expected ${layout[k]} (FAT${layout.fatBits}, ${layout.sectors} sectors)`);
        }
      }
      const fat32 = layout.fatBits === 32;
      const vi = fat32 ? 67 : 39;
      bs.writeUInt32LE(spec.volumeId >>> 0, vi);
      putLabel(bs, vi + 4, label2 ? label2.padEnd(11, " ") : "NO NAME    ");
      bs.write(`FAT${layout.fatBits}   `, vi + 15, 8, "latin1");
      dev.writeSectors(0, bs);
      if (fat32) {
        const backup = dev.readSectors(6, 1);
        bs.copy(backup, 0, 0, SS);
        dev.writeSectors(6, backup);
      }
      if (label2) {
        const root = dev.readSectors(layout.dataStart - layout.rootDirSectors, 1);
        const ent = Buffer.alloc(DIRENT);
        putLabel(ent, 0, label2.padEnd(11, " "));
        ent[11] = 8;
        const { date, time } = fatDateTime(epoch);
        ent.writeUInt16LE(time, 14);
        ent.writeUInt16LE(date, 16);
        ent.writeUInt16LE(date, 18);
        ent.writeUInt16LE(time, 22);
        ent.writeUInt16LE(date, 24);
        ent.copy(root, 0);
        dev.writeSectors(layout.dataStart - layout.rootDirSectors, root);
      }
      const fatfs = ff.malloc(sizeof_FATFS);
      check(pinnedClock(epoch, () => ff.f_mount(fatfs, "", 1)), "f_mount");
      const fil = ff.malloc(sizeof_FIL);
      const bw = ff.malloc(4);
      const buf = ff.malloc(CHUNK2);
      const host = Buffer.alloc(CHUNK2);
      const phase = ctx.progress.phase(`vfat ${label2 || "FAT"}: copy`, needs.bytes, "bytes");
      let done = 0;
      const writeChunk = (data, p) => {
        ff.HEAPU8.set(data, buf);
        const r = pinnedClock(epoch, () => ff.f_write(fil, buf, data.length, bw));
        check(r, `f_write ${p}`);
        if (ff.getValue(bw, "i32") !== data.length) throw doesNotFit(`${what}: the filesystem is full while writing ${p}`);
        done += data.length;
        phase.update(done, needs.bytes);
      };
      for (const [p, e] of fatEntries(tree)) {
        if (p === "/") continue;
        if (e.kind === "dir") {
          check(pinnedClock(epoch, () => ff.f_mkdir(p)), `f_mkdir ${p}`);
          continue;
        }
        if (e.kind === "symlink") continue;
        check(pinnedClock(epoch, () => ff.f_open(fil, p, FA_WRITE | FA_CREATE_NEW)), `f_open ${p}`);
        if (e.kind === "data") {
          for (let off2 = 0; off2 < e.data.length; off2 += CHUNK2) writeChunk(e.data.subarray(off2, off2 + CHUNK2), p);
        } else {
          const fh = await fsp5.open(hostPath(e.source), "r").catch((err) => {
            throw inputError(`${what}: cannot read ${e.source} (for ${p}): ${err.message}`, err);
          });
          try {
            let off2 = 0;
            while (off2 < e.size) {
              const want = Math.min(CHUNK2, e.size - off2);
              const { bytesRead } = await fh.read(host, 0, want, off2);
              if (bytesRead === 0) throw inputError(`${what}: ${e.source} (for ${p}) shrank while being copied: expected ${e.size} bytes, got ${off2}`);
              writeChunk(host.subarray(0, bytesRead), p);
              off2 += bytesRead;
            }
          } finally {
            await fh.close();
          }
        }
        check(pinnedClock(epoch, () => ff.f_close(fil)), `f_close ${p}`);
      }
      check(pinnedClock(epoch, () => ff.f_unmount("")), "f_unmount");
      phase.end({ files: needs.files, dirs: needs.dirs });
      for (const ptr of [buf, bw, fil, fatfs]) ff.free(ptr);
      const hex = (spec.volumeId >>> 0).toString(16).toUpperCase().padStart(8, "0");
      const report = {
        type: "vfat",
        uuid: `${hex.slice(0, 4)}-${hex.slice(4)}`,
        stats: {
          fatType: layout.fatBits,
          clusterSize: layout.clusterSectors * SS,
          clusters: layout.clusters,
          clustersUsed: fit.clustersNeeded,
          files: needs.files,
          dirs: needs.dirs,
          bytes: needs.bytes
        }
      };
      if (label2) report.label = label2;
      return report;
    } finally {
      closeSync(fd);
    }
  }
};

// src/fs/ext4.ts
import { createHash as createHash2 } from "node:crypto";
import { constants as fsConstants, promises as fsp9 } from "node:fs";
import { fileURLToPath as fileURLToPath5 } from "node:url";
import path14 from "node:path";

// src/fs/btrfs.ts
import { createHash } from "node:crypto";
import { promises as fsp7 } from "node:fs";
import path13 from "node:path";
import { PassThrough as PassThrough2 } from "node:stream";

// src/toolchain.ts
import { constants as fsc3 } from "node:fs";
import { access } from "node:fs/promises";
import path10 from "node:path";
var E2FSPROGS = { family: "e2fsprogs", min: [1, 46, 2], tested: [1, 47] };
var BTRFS_PROGS = {
  family: "btrfs-progs",
  min: [6, 2],
  tested: [6, 14],
  why: "btrfs-progs 5.x reserves the inode numbers imgsmith's images use, so its images fail btrfs check"
};
var NODE = { family: "Node.js", min: [20], tested: [24] };
var NODE_TESTED = [20, 22, 24];
var V = String.raw`(\d+\.\d+(?:\.\d+)*)`;
var e2 = (name, extra = {}) => ({
  args: ["-V"],
  pattern: new RegExp(String.raw`${name.replace(".", "\\.")} ${V}`),
  range: E2FSPROGS,
  ...extra
});
var PROBES = {
  mke2fs: e2("mke2fs"),
  "mkfs.ext4": e2("mke2fs"),
  e2fsck: e2("e2fsck"),
  "fsck.ext4": e2("e2fsck"),
  debugfs: e2("debugfs"),
  dumpe2fs: e2("dumpe2fs"),
  tune2fs: e2("tune2fs", { args: [], okCodes: [1] }),
  "mkfs.btrfs": { args: ["--version"], pattern: new RegExp(String.raw`btrfs-progs v${V}`), range: BTRFS_PROGS },
  btrfs: { args: ["--version"], pattern: new RegExp(String.raw`btrfs-progs v${V}`), range: BTRFS_PROGS },
  zstd: { args: ["--version"], pattern: /v(\d+\.\d+\.\d+)/ },
  sfdisk: { args: ["--version"], pattern: new RegExp(String.raw`util-linux ${V}`) },
  sgdisk: { args: ["--version"], pattern: new RegExp(String.raw`version ${V}`) },
  mkswap: { args: ["--version"], pattern: new RegExp(String.raw`util-linux ${V}`) },
  blkid: { args: ["--version"], pattern: new RegExp(String.raw`util-linux ${V}`) },
  "mkfs.fat": { args: ["--help"], pattern: new RegExp(String.raw`mkfs\.fat ${V}`) },
  "mkfs.vfat": { args: ["--help"], pattern: new RegExp(String.raw`mkfs\.fat ${V}`) },
  mcopy: { args: ["-V"], pattern: new RegExp(String.raw`mtools\) ${V}`) },
  mmd: { args: ["-V"], pattern: new RegExp(String.raw`mtools\) ${V}`) },
  fakeroot: { args: ["-v"], pattern: new RegExp(String.raw`version ${V}`) },
  bmaptool: { args: ["--version"], pattern: new RegExp(String.raw`bmaptool ${V}`) }
};
var GENERIC = { args: ["--version"], pattern: /\bv?(\d+\.\d+(?:\.\d+)*)/ };
function parseVersion(text) {
  return text.split(".").map((p) => Number.parseInt(p, 10));
}
function compareVersions(a2, b, n2) {
  const len = n2 ?? Math.max(a2.length, b.length);
  for (let i2 = 0; i2 < len; i2++) {
    const d = (a2[i2] ?? 0) - (b[i2] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
var show2 = (v) => v.join(".");
async function findOnPath(name, envPath = process.env.PATH ?? "") {
  if (name.includes("/")) return await access(name, fsc3.X_OK).then(() => true, () => false) ? path10.resolve(name) : void 0;
  for (const dir of envPath.split(":")) {
    const p = path10.resolve(dir || ".", name);
    if (await access(p, fsc3.X_OK).then(() => true, () => false)) return p;
  }
  return void 0;
}
function checkRange(range2, tool, where2, version) {
  const v = parseVersion(version);
  if (compareVersions(v, range2.min) < 0) {
    throw new ToolVersionError(
      tool,
      `${range2.family} ${version} is not supported (${tool} at ${where2}): imgsmith needs ${range2.family} ${show2(range2.min)} or later${range2.why ? ` (${range2.why})` : ""}`
    );
  }
  if (compareVersions(v, range2.tested, range2.tested.length) > 0) {
    return `${range2.family} ${version} (${tool} at ${where2}) is newer than the newest tested (${show2(range2.tested)}.x); its images are still checked as usual`;
  }
  return void 0;
}
var probed = /* @__PURE__ */ new Map();
function probeTool(name, envPath) {
  const key = `${name}\0${envPath ?? process.env.PATH ?? ""}\0${process.env.LD_LIBRARY_PATH ?? ""}`;
  let p = probed.get(key);
  if (!p) {
    p = probeToolOnce(name, envPath);
    p.catch(() => probed.delete(key));
    probed.set(key, p);
  }
  return p;
}
async function probeToolOnce(name, envPath) {
  const probe = PROBES[name] ?? GENERIC;
  const where2 = await findOnPath(name, envPath);
  if (!where2) throw new ToolMissingError(name, `${name} was not found on PATH: it is needed to build this image${probe.range ? ` (it comes with ${probe.range.family})` : ""}`);
  let output2;
  try {
    const r = await execa(where2, probe.args, { all: true, reject: false, stdin: "ignore", env: { LC_ALL: "C" }, timeout: 3e4 });
    if (r.failed && (r.exitCode === void 0 || !(probe.okCodes ?? []).includes(r.exitCode))) {
      throw new ToolFailedError(name, `cannot get the version of ${name} (${where2} ${probe.args.join(" ")}): ${r.shortMessage ?? "it failed"}`);
    }
    output2 = r.all ?? "";
  } catch (err) {
    if (err instanceof ImgsmithError) throw err;
    throw new ToolFailedError(name, `cannot get the version of ${name} (${where2}): ${err.message}`, err);
  }
  const m = probe.pattern.exec(output2);
  if (!m?.[1]) {
    const printed = output2.trim().split("\n").slice(0, 2).join(" / ").slice(0, 200);
    throw new ToolVersionError(name, `cannot parse the version of ${name} (${where2} ${probe.args.join(" ")}) from what it printed: ${JSON.stringify(printed)}`);
  }
  const version = m[1];
  const warning = probe.range ? checkRange(probe.range, name, where2, version) : void 0;
  return { name, path: where2, version, ...warning ? { warning } : {} };
}
function checkNode(version = process.versions.node, where2 = process.execPath) {
  if (!/^\d+\.\d+\.\d+/.test(version)) throw new ToolVersionError("node", `cannot parse the version of Node.js (${where2}): ${JSON.stringify(version)}`);
  const warning = checkRange(NODE, "node", where2, version);
  if (warning) return warning;
  const major = parseVersion(version)[0];
  if (!NODE_TESTED.includes(major)) return `Node.js ${version} (${where2}) is not a tested release line (${NODE_TESTED.join(", ")}); its images are still checked as usual`;
  return void 0;
}
async function probeToolchain(names, envPath) {
  const unique = [...new Set(names)].sort();
  const settled = await Promise.allSettled(unique.map((n2) => probeTool(n2, envPath)));
  for (const s of settled) if (s.status === "rejected") throw s.reason;
  const tools = settled.map((s) => s.value);
  const versions = {};
  const warnings = [];
  for (const t of tools) {
    versions[t.name] = t.version;
    if (t.warning) warnings.push(t.warning);
  }
  const nodeWarning = checkNode();
  if (nodeWarning) warnings.push(nodeWarning);
  versions.node = process.versions.node;
  return { versions, tools, warnings };
}

// src/fs/shim.ts
import { closeSync as closeSync2, openSync as openSync2, promises as fsp6, writeFileSync as writeFileSync2, writeSync as writeSync3 } from "node:fs";
import path11 from "node:path";
import { fileURLToPath as fileURLToPath4 } from "node:url";
var SHIM_PATH = fileURLToPath4(new URL("../build/Release/imgsmith_mkfs_shim.so", import.meta.url));
function shimPath() {
  return process.env.IMGSMITH_SHIM_PATH || SHIM_PATH;
}
async function shimAvailable() {
  if (process.env.IMGSMITH_NO_SHIM === "1" || process.env.IMGSMITH_NO_NATIVE === "1") return false;
  return fsp6.access(shimPath()).then(
    () => true,
    () => false
  );
}
async function virtualTreeAvailable() {
  return process.env.IMGSMITH_NO_VIRTUAL_TREE !== "1" && await shimAvailable();
}
function linkGroupCollector() {
  const groups = /* @__PURE__ */ new Map();
  let i2 = 0;
  return {
    groups,
    add(e) {
      if (e.kind === "end") return;
      if (e.kind === "file" && e.linkKey !== void 0) {
        const g = groups.get(e.linkKey);
        if (g) g.size++;
        else groups.set(e.linkKey, { first: i2, size: 1, mode: e.mode & 4095 });
      }
      i2++;
    }
  };
}
function* shimRecords(tree, known) {
  let groups = known;
  if (!groups) {
    const c3 = linkGroupCollector();
    for (const e of walkTree(tree)) c3.add(e);
    groups = c3.groups;
  }
  let i2 = 0;
  for (const e of walkTree(tree)) {
    if (e.kind === "end") continue;
    const g = e.kind === "file" && e.linkKey !== void 0 ? groups.get(e.linkKey) : void 0;
    const mode = e.kind === "symlink" ? 511 : g ? g.mode : e.mode & 4095;
    yield { path: e.path, kind: e.kind, mode, ino: g ? g.first : i2, nlink: g ? g.size : 1 };
    i2++;
  }
}
function writeShimList(tree, file, groups) {
  const counts = { dirs: 0, files: 0, symlinks: 0 };
  const fd = openSync2(file, "w");
  try {
    let chunk = [];
    let bytes = 0;
    for (const r of shimRecords(tree, groups)) {
      const rel = r.path === "/" ? "" : r.path.slice(1);
      const rec = Buffer.from(`${r.mode.toString(8)} ${r.ino} ${r.nlink} ${rel}\0`, "latin1");
      chunk.push(rec);
      bytes += rec.length;
      if (bytes > 1 << 20) {
        writeSync3(fd, Buffer.concat(chunk));
        chunk = [];
        bytes = 0;
      }
      if (r.kind === "dir") counts.dirs++;
      else if (r.kind === "symlink") counts.symlinks++;
      else counts.files++;
    }
    writeSync3(fd, Buffer.concat(chunk));
  } finally {
    closeSync2(fd);
  }
  return counts;
}
function shimEnv(o2) {
  return {
    IMGSMITH_SHIM_VIRTUAL: o2.virtual ? "1" : "0",
    LD_PRELOAD: [shimPath(), process.env.LD_PRELOAD].filter(Boolean).join(" "),
    IMGSMITH_SHIM_ROOT: o2.root,
    IMGSMITH_SHIM_LIST: o2.list,
    IMGSMITH_SHIM_EPOCH: String(o2.epoch),
    IMGSMITH_SHIM_SEED: o2.seed,
    ...o2.report ? { IMGSMITH_SHIM_REPORT: o2.report } : {},
    ...o2.image ? { IMGSMITH_SHIM_IMAGE: o2.image } : {}
  };
}
async function shimLoaded(report) {
  const text = await fsp6.readFile(report, "utf8").catch(() => "");
  const m = /^faked (\d+)\n(?:virtual \d+ of \d+\n|served \d+ of \d+\n)?$/.exec(text);
  return m ? Number(m[1]) : null;
}
async function shimServedReport(report) {
  const text = await fsp6.readFile(report, "utf8").catch(() => "");
  const m = /^faked \d+\nserved (\d+) of (\d+)\n$/.exec(text);
  return m ? { served: Number(m[1]), total: Number(m[2]) } : null;
}
async function shimVirtualReport(report) {
  const text = await fsp6.readFile(report, "utf8").catch(() => "");
  const m = /^virtual (\d+) of (\d+)$/m.exec(text);
  return m ? { seen: Number(m[1]), total: Number(m[2]) } : null;
}
var absoluteHost = (host) => host.startsWith("/") ? host : joinHost(fromUtf8(process.cwd()), host);
var VirtualListWriter = class {
  constructor(file, dataDir) {
    this.file = file;
    this.dataDir = dataDir;
    this.fd = openSync2(file, "w");
  }
  file;
  dataDir;
  fd;
  chunk = [];
  bytes = 0;
  index = 0;
  /** The open directories: their index and host directory. */
  dirs = [];
  /** Hard-link groups, found as the walk goes (a group's first entry comes first). */
  links = linkGroupCollector();
  data = 0;
  /** The number of records written (tree entries, the root included). */
  get entries() {
    return this.index;
  }
  add(e) {
    if (e.kind === "end") {
      this.dirs.pop();
      return;
    }
    const i2 = this.index++;
    this.links.add(e);
    const parent = this.dirs.length ? this.dirs[this.dirs.length - 1] : void 0;
    const name = e.path === "/" ? "" : e.path.slice(e.path.lastIndexOf("/") + 1);
    const src = (host) => host === void 0 ? ["n", ""] : parent?.source !== void 0 && host === joinHost(parent.source, name) ? ["i", ""] : ["e", absoluteHost(host)];
    let kind, s, mode;
    let ino = i2;
    switch (e.kind) {
      case "dir":
        kind = "d";
        s = src(e.source);
        mode = e.mode & 4095;
        break;
      case "file": {
        kind = "f";
        s = src(e.source);
        const g = e.linkKey !== void 0 ? this.links.groups.get(e.linkKey) : void 0;
        ino = g ? g.first : i2;
        mode = g ? g.mode : e.mode & 4095;
        break;
      }
      case "data": {
        kind = "f";
        const f = path11.join(this.dataDir, String(this.data++));
        writeFileSync2(f, e.data);
        s = ["e", fromUtf8(path11.resolve(f))];
        mode = e.mode & 4095;
        break;
      }
      case "symlink":
        kind = "l";
        s = ["n", e.target];
        mode = 511;
        break;
    }
    const rec = Buffer.from(`${kind}${s[0]}${mode.toString(8)} ${ino} ${parent ? parent.index : -1}\0${name}\0${s[1]}\0`, "latin1");
    this.chunk.push(rec);
    this.bytes += rec.length;
    if (this.bytes > 1 << 20) this.flush();
    if (e.kind === "dir") this.dirs.push({ index: i2, source: e.source });
  }
  flush() {
    if (this.bytes) writeSync3(this.fd, Buffer.concat(this.chunk));
    this.chunk = [];
    this.bytes = 0;
  }
  close() {
    try {
      this.flush();
    } finally {
      closeSync2(this.fd);
    }
  }
};

// src/fs/stage.ts
import {
  chmodSync as chmodSync2,
  copyFileSync,
  constants as fsc5,
  linkSync,
  lstatSync as lstatSync3,
  mkdirSync,
  realpathSync as realpathSync2,
  symlinkSync,
  writeFileSync as writeFileSync3
} from "node:fs";
import path12 from "node:path";

// src/fs/sources.ts
import { accessSync, constants as fsc4, statSync as statSync3 } from "node:fs";
function changedSource(source, was, now) {
  return now === void 0 ? inputError(`${show(source)} disappeared while it was being read; run the build again when the inputs do not change`) : inputError(`${show(source)} changed while it was being read (${was} bytes when the tree was read, ${now} now); run the build again when the inputs do not change`);
}
function canRead(source) {
  try {
    accessSync(hostPath(source), fsc4.R_OK);
    return true;
  } catch {
    return false;
  }
}
var SourceLog = class {
  sources = [];
  sizes = new Float64Array(1024);
  /** Feeds one walk entry (files with a host source are recorded). */
  add = (e) => {
    if (e.kind !== "file") return;
    const n2 = this.sources.length;
    if (n2 === this.sizes.length) {
      const grown = new Float64Array(n2 * 2);
      grown.set(this.sizes);
      this.sizes = grown;
    }
    this.sources.push(e.source);
    this.sizes[n2] = e.size;
  };
  /** Awaits a tool reading the recorded sources, then checks them (also when it failed: a
   *  changed source explains the failure better than the tool). */
  async around(work) {
    let result;
    try {
      result = await work;
    } catch (err) {
      await this.check({ readable: true });
      throw err;
    }
    await this.check();
    return result;
  }
  /** Throws the error for the first recorded source that is gone or has another size (with
   *  `readable`, also one this user may not read: after a tool failed, that explains it). */
  async check(opts2 = {}) {
    for (let i2 = 0; i2 < this.sources.length; i2++) {
      const source = this.sources[i2];
      let now;
      try {
        now = statSync3(hostPath(source)).size;
      } catch {
        now = void 0;
      }
      if (now !== this.sizes[i2]) throw changedSource(source, this.sizes[i2], now);
      if (opts2.readable && !canRead(source)) throw inputError(`cannot read ${show(source)}: permission denied`);
      if (i2 % 8192 === 8191) await new Promise((r) => setImmediate(r));
    }
  }
};

// src/fs/stage.ts
var HOST_PATH_MAX = 4096;
function regularSource(source) {
  const p = hostPath(source);
  return lstatSync3(p).isSymbolicLink() ? realpathSync2(p, { encoding: "buffer" }) : p;
}
async function stageTree(tree, dir, opts2 = {}) {
  const stats = { hardlinked: 0, copied: 0, written: 0, dirs: 0, symlinks: 0, links: 0 };
  const root = Buffer.from(path12.resolve(dir));
  mkdirSync(root, { recursive: true });
  let linkWorks = opts2.copy !== true;
  const firstCopy = /* @__PURE__ */ new Map();
  const staged = (p) => p === "/" ? root : Buffer.concat([root, hostPath(p)]);
  let n2 = 0;
  for (const e of walkTree(tree, { dirEnds: true })) {
    opts2.onEntry?.(e);
    const host = staged(e.path);
    if (host.length >= HOST_PATH_MAX) {
      throw inputError(
        `${show(e.path)} would be staged as a host path of ${host.length} bytes, more than Linux allows (${HOST_PATH_MAX - 1}): this filesystem is staged on the host (btrfs, ext4's mke2fs -d fallback), so its paths plus the output directory's must be shorter; make the tree shallower or use ext4 with the populate helper`
      );
    }
    try {
      switch (e.kind) {
        case "dir":
          if (e.path !== "/") mkdirSync(host, { mode: 448 });
          stats.dirs++;
          break;
        case "end":
          chmodSync2(host, e.mode);
          break;
        case "file": {
          if (linkWorks) {
            try {
              linkSync(regularSource(e.source), host);
              if (e.linkKey !== void 0 && !firstCopy.has(e.linkKey)) firstCopy.set(e.linkKey, host);
              stats.hardlinked++;
              break;
            } catch (err) {
              const code = err.code;
              if (code !== "EXDEV" && code !== "EPERM" && code !== "EACCES" && code !== "EMLINK") throw err;
              linkWorks = false;
            }
          }
          const first = e.linkKey !== void 0 ? firstCopy.get(e.linkKey) : void 0;
          if (first) {
            linkSync(first, host);
            stats.links++;
            break;
          }
          copyFileSync(regularSource(e.source), host, fsc5.COPYFILE_FICLONE);
          chmodSync2(host, e.mode);
          if (e.linkKey !== void 0) firstCopy.set(e.linkKey, host);
          stats.copied++;
          break;
        }
        case "data":
          writeFileSync3(host, e.data, { mode: e.mode });
          chmodSync2(host, e.mode);
          stats.written++;
          break;
        case "symlink":
          symlinkSync(hostPath(e.target), host);
          stats.symlinks++;
          break;
      }
    } catch (err) {
      if (err instanceof ImgsmithError) throw err;
      const code = err.code;
      if (e.kind === "file" && code === "ENOENT") throw changedSource(e.source, e.size, void 0);
      if (e.kind === "file" && (code === "EACCES" || code === "EPERM")) throw inputError(`cannot read ${show(e.source)}: permission denied`);
      const what = e.kind === "file" ? `${show(e.source)} to ${show(e.path)}` : show(e.path);
      throw buildError(`staging ${what} failed: ${code ?? err.message}`, err);
    }
    if (++n2 % 4096 === 0) await new Promise((r) => setImmediate(r));
  }
  return stats;
}
async function removeStaged(dir) {
  await removeTree(dir);
}

// src/fs/btrfs.ts
var SECTOR_SIZE = 4096;
var NODE_SIZE = 16384;
var LABEL_MAX = 255;
var SUPER_OFFSETS = [65536, 67108864, 274877906944];
var SUPER_SIZE = 4096;
var CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i2 = 0; i2 < 256; i2++) {
    let c3 = i2;
    for (let k = 0; k < 8; k++) c3 = c3 & 1 ? c3 >>> 1 ^ 2197175160 : c3 >>> 1;
    t[i2] = c3 >>> 0;
  }
  return t;
})();
function crc32c(buf, start = 0, end = buf.length) {
  let c3 = 4294967295;
  for (let i2 = start; i2 < end; i2++) c3 = CRC32C_TABLE[(c3 ^ buf[i2]) & 255] ^ c3 >>> 8;
  return (c3 ^ 4294967295) >>> 0;
}
function setCsum(block) {
  block.fill(0, 0, 32);
  block.writeUInt32LE(crc32c(block, 32), 0);
}
function csumOk(block) {
  return block.readUInt32LE(0) === crc32c(block, 32);
}
var SB = {
  bytenr: 48,
  magic: 64,
  chunkRoot: 88,
  totalBytes: 112,
  sectorsize: 144,
  nodesize: 148,
  sysChunkArraySize: 160,
  csumType: 196,
  chunkRootLevel: 199,
  devItem: 201,
  sysChunkArray: 811
};
var DEV_ITEM_TOTAL_BYTES = 8;
var HEADER_SIZE = 101;
var KEY_SIZE = 17;
var DEV_ITEM_KEY = 216;
var MAGIC = Buffer.from("_BHRfS_M", "latin1");
function parseSysChunks(sb) {
  const size = sb.readUInt32LE(SB.sysChunkArraySize);
  const out = [];
  let p = SB.sysChunkArray;
  const end = SB.sysChunkArray + size;
  while (p < end) {
    const logical = sb.readBigUInt64LE(p + 9);
    p += KEY_SIZE;
    const length = sb.readBigUInt64LE(p);
    const type = sb.readBigUInt64LE(p + 24);
    const numStripes = sb.readUInt16LE(p + 44);
    if ((type & ~(1n << 5n | 0x7n)) !== 0n) throw new Error(`unsupported system chunk profile 0x${type.toString(16)}`);
    const stripes = [];
    for (let s = 0; s < numStripes; s++) stripes.push(sb.readBigUInt64LE(p + 48 + s * 32 + 8));
    out.push({ logical, length, stripes });
    p += 48 + numStripes * 32;
  }
  return out;
}
function mapLogical(chunks, logical) {
  for (const c3 of chunks) {
    if (logical >= c3.logical && logical < c3.logical + c3.length) {
      return c3.stripes.map((s) => Number(s + (logical - c3.logical)));
    }
  }
  throw new Error(`chunk tree block ${logical} is not in a system chunk`);
}
function compareKey(buf, at, objectid, type, offset) {
  const o2 = buf.readBigUInt64LE(at);
  if (o2 !== objectid) return o2 < objectid ? -1 : 1;
  const t = buf[at + 8];
  if (t !== type) return t < type ? -1 : 1;
  const f = buf.readBigUInt64LE(at + 9);
  return f === offset ? 0 : f < offset ? -1 : 1;
}
async function growBtrfs(file, base, newSize, onWrite2) {
  const fh = await fsp7.open(file, "r+");
  try {
    const read = async (pos, len) => {
      const b = Buffer.alloc(len);
      const { bytesRead } = await fh.read(b, 0, len, base + pos);
      if (bytesRead !== len) throw new Error(`short read at ${pos}`);
      return b;
    };
    const sb = await read(SUPER_OFFSETS[0], SUPER_SIZE);
    if (!sb.subarray(SB.magic, SB.magic + 8).equals(MAGIC)) throw new Error("no btrfs superblock");
    if (sb.readUInt16LE(SB.csumType) !== 0) throw new Error("only crc32c checksums are supported");
    if (!csumOk(sb)) throw new Error("superblock checksum mismatch");
    const oldSize = Number(sb.readBigUInt64LE(SB.totalBytes));
    const nodesize = sb.readUInt32LE(SB.nodesize);
    const sectorsize = sb.readUInt32LE(SB.sectorsize);
    if (newSize % sectorsize !== 0) throw new Error(`size ${newSize} is not a multiple of ${sectorsize}`);
    if (newSize < oldSize) throw new Error(`cannot shrink from ${oldSize} to ${newSize}`);
    const chunks = parseSysChunks(sb);
    let logical = sb.readBigUInt64LE(SB.chunkRoot);
    let level = sb[SB.chunkRootLevel];
    for (; ; ) {
      const copies = mapLogical(chunks, logical);
      const node = await read(copies[0], nodesize);
      if (!csumOk(node)) throw new Error(`chunk tree block ${logical} checksum mismatch`);
      const nritems = node.readUInt32LE(96);
      if (node[100] !== level) throw new Error(`chunk tree block ${logical} has level ${node[100]}, expected ${level}`);
      if (level > 0) {
        let child;
        for (let i2 = 0; i2 < nritems; i2++) {
          const at = HEADER_SIZE + i2 * 33;
          if (compareKey(node, at, 1n, DEV_ITEM_KEY, 1n) > 0) break;
          child = node.readBigUInt64LE(at + KEY_SIZE);
        }
        if (child === void 0) throw new Error("DEV_ITEM not found in the chunk tree");
        logical = child;
        level--;
        continue;
      }
      let found = -1;
      for (let i2 = 0; i2 < nritems; i2++) {
        const at = HEADER_SIZE + i2 * 25;
        if (compareKey(node, at, 1n, DEV_ITEM_KEY, 1n) === 0) {
          found = HEADER_SIZE + node.readUInt32LE(at + KEY_SIZE);
          break;
        }
      }
      if (found < 0) throw new Error("DEV_ITEM not found in the chunk tree");
      node.writeBigUInt64LE(BigInt(newSize), found + DEV_ITEM_TOTAL_BYTES);
      setCsum(node);
      for (const phys of copies) {
        await fh.write(node, 0, nodesize, base + phys);
        onWrite2?.(base + phys, nodesize);
      }
      break;
    }
    sb.writeBigUInt64LE(BigInt(newSize), SB.totalBytes);
    sb.writeBigUInt64LE(BigInt(newSize), SB.devItem + DEV_ITEM_TOTAL_BYTES);
    for (const off2 of SUPER_OFFSETS) {
      if (off2 + SUPER_SIZE > newSize) break;
      sb.writeBigUInt64LE(BigInt(off2), SB.bytenr);
      setCsum(sb);
      await fh.write(sb, 0, SUPER_SIZE, base + off2);
      onWrite2?.(base + off2, SUPER_SIZE);
    }
    return oldSize;
  } finally {
    await fh.close();
  }
}
function defaultBtrfsUuid(tree, label2 = "") {
  const h2 = createHash("sha256").update(`imgsmith btrfs\0${label2}\0`);
  for (const e of walkTree(tree)) {
    let detail;
    switch (e.kind) {
      case "dir":
        detail = e.mode.toString(8);
        break;
      case "file":
        detail = `${e.mode.toString(8)} ${e.size}`;
        break;
      case "data":
        detail = `${e.mode.toString(8)} ${createHash("sha256").update(e.data).digest("hex")}`;
        break;
      case "symlink":
        detail = e.target;
        break;
      default:
        continue;
    }
    h2.update(Buffer.from(`${e.path}\0${e.kind}\0${detail}
`, "latin1"));
  }
  return uuidFromHash(h2.digest());
}
async function toolMissing(name) {
  return await findOnPath(name) === void 0;
}
async function mkfsBtrfsVersion() {
  const v = parseVersion((await probeTool("mkfs.btrfs")).version);
  return [v[0] ?? 0, v[1] ?? 0];
}
function utcDate(epoch) {
  return new Date(epoch * 1e3).toISOString().replace("T", " ").replace(/\.\d+Z$/, "");
}
async function buildShrunk(spec, tree, uuid2, ctx, where2, allowShim = true) {
  const dir = await fsp7.mkdtemp(path13.join(ctx.tmpDir, "btrfs-"));
  const stageDir = await fsp7.mkdtemp(path13.join(ctx.tmpDir, "btrfs-stage-"));
  const stage = path13.join(stageDir, "root");
  let stageRemoved = false;
  const removeStage = async () => {
    if (stageRemoved) return;
    stageRemoved = true;
    await removeStaged(stage).catch(() => void 0);
    await removeTree(stageDir).catch(() => void 0);
  };
  const file = path13.join(dir, "fs.img");
  const phase = ctx.progress.phase("btrfs", 3, "items");
  let deterministic = allowShim && await shimAvailable();
  try {
    const log2 = new SourceLog();
    const st = await stageTree(tree, stage, { copy: !deterministic, onEntry: log2.add });
    phase.update(1, 3);
    const stageReal = await fsp7.realpath(stage);
    const list = path13.join(dir, "list");
    const report = path13.join(dir, "shim-report");
    const counts = writeShimList(tree, list);
    await fsp7.writeFile(file, "");
    const args = [
      "-q",
      "-f",
      "-U",
      uuid2,
      ...spec.label !== void 0 && spec.label !== "" ? ["-L", spec.label] : [],
      "-m",
      "dup",
      "-d",
      "single",
      "-n",
      String(NODE_SIZE),
      "-s",
      String(SECTOR_SIZE),
      "--csum",
      "crc32c",
      "-O",
      "extref,skinny-metadata,no-holes",
      "-R",
      "free-space-tree",
      "--rootdir",
      stageReal,
      "--shrink",
      file
    ];
    const env = { LC_ALL: "C", TZ: "UTC" };
    let cmd = "mkfs.btrfs";
    let cmdArgs = args;
    if (deterministic) {
      Object.assign(env, shimEnv({ root: stageReal, list, epoch: ctx.epoch, seed: `imgsmith btrfs ${uuid2}`, report, image: file }));
    } else {
      const v = await mkfsBtrfsVersion();
      if (v && (v[0] > 6 || v[0] === 6 && v[1] >= 10) && process.getuid?.() !== 0) {
        throw new ToolFailedError(
          "mkfs.btrfs",
          `${where2}: without the imgsmith mkfs shim (${shimPath()}), mkfs.btrfs ${v.join(".")} would give every file of the btrfs root your user's owner; build the native addon (npm run build:native) or build as root`
        );
      }
      const prefix = [];
      if (!await toolMissing("fakeroot")) prefix.push("fakeroot", "--");
      if (!await toolMissing("faketime")) prefix.push("faketime", "-f", utcDate(ctx.epoch));
      if (prefix.length > 0) {
        cmd = prefix[0];
        cmdArgs = [...prefix.slice(1), "mkfs.btrfs", ...args];
      }
      ctx.progress.event("warning", {
        message: `${where2}: the mkfs.btrfs shim (${shimPath()}) is not built; the btrfs image will not be reproducible`
      });
    }
    await testHook("read-sources", (name, data) => ctx.progress.event(name, data));
    const r = await execa(cmd, cmdArgs, { env, extendEnv: true, reject: false, all: true, stdin: "ignore" });
    await log2.check({ readable: r.exitCode !== 0 });
    const out = (r.all ?? "").toString();
    if (r.signal) throw toolFailed("mkfs.btrfs", `${where2}: ${cmd} was killed by ${r.signal} (out of memory? see dmesg)`, r);
    if (r.code === "ENOENT") {
      throw new ToolMissingError(cmd, `${where2}: ${cmd} is not installed (it comes with btrfs-progs)`);
    }
    if (r.exitCode === void 0) {
      throw new ToolFailedError(cmd, `${where2}: cannot run ${cmd}: ${(r.shortMessage ?? out).split("\n")[0]}`);
    }
    if (deterministic && (/cannot be preloaded/.test(out) || await shimLoaded(report) === null)) {
      throw new ShimNotLoaded();
    }
    if (r.exitCode !== 0) {
      const msg = out.split("\n").filter((l) => /error|fail|cannot|invalid|too/i.test(l)).join("; ");
      throw new ToolFailedError("mkfs.btrfs", `${where2}: mkfs.btrfs failed (exit ${r.exitCode}): ${msg || out.trim()}`);
    }
    if (deterministic) {
      const entries = counts.dirs + counts.files + counts.symlinks;
      const served = await shimServedReport(report);
      if (!served || served.total !== entries || served.served < entries) {
        throw toolFailed(
          "mkfs.btrfs",
          `${where2}: mkfs.btrfs read ${served ? served.served : "an unknown number"} of the ${entries} entries of the tree through the imgsmith shim; the others would carry host owners, times and inode numbers (is this btrfs-progs version supported? \`mkfs.btrfs --version\`)`,
          r
        );
      }
    }
    phase.update(2, 3);
    const size = (await fsp7.stat(file)).size;
    const sb = Buffer.alloc(SUPER_SIZE);
    const fh = await fsp7.open(file, "r");
    try {
      await fh.read(sb, 0, SUPER_SIZE, SUPER_OFFSETS[0]);
    } finally {
      await fh.close();
    }
    const total = Number(sb.readBigUInt64LE(SB.totalBytes));
    if (!sb.subarray(SB.magic, SB.magic + 8).equals(MAGIC) || total !== size || size % SECTOR_SIZE !== 0) {
      throw new ToolFailedError("mkfs.btrfs", `${where2}: mkfs.btrfs produced an unexpected filesystem (size ${size}, total_bytes ${total})`);
    }
    phase.end({ size, staged: st });
    return { file, size, dir, uuid: uuid2, deterministic, counts };
  } catch (err) {
    phase.end(err instanceof ShimNotLoaded ? { shimNotLoaded: true } : { error: true });
    await removeStage();
    await removeTree(dir).catch(() => void 0);
    if (!(err instanceof ShimNotLoaded)) throw err;
  } finally {
    const removal = removeStage();
    if (ctx.background) ctx.background(removal);
    else await removal;
  }
  ctx.progress.event("warning", { message: `${where2}: the mkfs.btrfs shim (${shimPath()}) did not load; building without it` });
  return buildShrunk(spec, tree, uuid2, ctx, where2, false);
}
var ShimNotLoaded = class extends Error {
};
var btrfsDriver = {
  type: "btrfs",
  holdsFiles: true,
  rootCandidate: true,
  spec: {
    properties: {
      label: schemaOf.label("at most 255 bytes"),
      uuid: schemaOf.uuid,
      extraSpace: { ...schemaOf.size, description: 'free space to leave for size "auto"' }
    },
    parse(o2, where2) {
      return {
        type: "btrfs",
        label: label(o2.label, `${where2}.label`, "btrfs"),
        uuid: uuid(o2.uuid, `${where2}.uuid`),
        ...o2.extraSpace !== void 0 ? { extraSpace: parseSize(o2.extraSpace, `${where2}.extraSpace`) } : {}
      };
    }
  },
  tools: () => ["mkfs.btrfs"],
  validate(spec, _tree, where2) {
    if (spec.label !== void 0) {
      const n2 = Buffer.byteLength(spec.label, "utf8");
      if (n2 > LABEL_MAX) throw usageError(`${where2}: btrfs label is ${n2} bytes long; at most ${LABEL_MAX} are allowed`);
      if (/[\0\n]/.test(spec.label)) throw usageError(`${where2}: btrfs label must not contain NUL or newline characters`);
    }
    if (spec.uuid !== void 0 && !UUID_RE.test(spec.uuid)) {
      throw usageError(`${where2}: "${spec.uuid}" is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`);
    }
    if (spec.extraSpace !== void 0 && (!Number.isSafeInteger(spec.extraSpace) || spec.extraSpace < 0)) {
      throw usageError(`${where2}: extraSpace must be a size >= 0`);
    }
  },
  /** Builds the shrunk filesystem now (its size plus extraSpace is the minimum); the handle
   *  copies it into the partition and grows it there, then removes it. */
  async prepare(spec, tree, ctx, where2) {
    const s = await buildShrunk(spec, tree, (spec.uuid ?? defaultBtrfsUuid(tree, spec.label)).toLowerCase(), ctx, where2);
    return {
      minimumSize: s.size + Math.ceil((spec.extraSpace ?? 0) / SECTOR_SIZE) * SECTOR_SIZE,
      write: (target, wctx) => writeShrunk(spec, tree, s, target, wctx, where2)
    };
  }
};
var COPY_SLICE = 64 * 1024 * 1024;
async function writeShrunk(spec, tree, s, target, ctx, where2) {
  const fsSize = Math.floor(target.size / SECTOR_SIZE) * SECTOR_SIZE;
  try {
    if (s.size > fsSize) {
      throw doesNotFit(
        `${where2}: the btrfs filesystem needs at least ${formatSize(s.size)} but the partition is ${formatSize(target.size)}`
      );
    }
    const phase = ctx.progress.phase("btrfs-copy", s.size, "bytes");
    const watch = ctx.watchWrites?.(target.offset, target.offset + target.size);
    const log2 = watch ? new PassThrough2() : void 0;
    if (watch && log2) watch.attach(log2);
    const record = (offset, length) => {
      if (!log2) return;
      const n2 = Math.ceil(length / MiB2);
      const r = Buffer.alloc(16 * n2);
      for (let i2 = 0; i2 < n2; i2++) {
        r.writeBigUInt64LE(BigInt(offset + i2 * MiB2), 16 * i2);
        r.writeBigUInt64LE(BigInt(Math.min(MiB2, length - i2 * MiB2)), 16 * i2 + 8);
      }
      log2.write(r);
    };
    let bytesCopied = 0;
    try {
      for (let at = 0; at < s.size; at += COPY_SLICE) {
        const length = Math.min(COPY_SLICE, s.size - at);
        const r = await copySparse(s.file, target.imagePath, target.offset + at, {
          srcOffset: at,
          length,
          onProgress: (d) => phase.update(bytesCopied + d, s.size)
        });
        bytesCopied += r.bytesCopied;
        if (r.bytesCopied > 0) record(target.offset + at, length);
      }
      phase.end({ bytesCopied });
      await growBtrfs(target.imagePath, target.offset, fsSize, record);
      if (log2) log2.write(Buffer.alloc(16, 255));
    } finally {
      log2?.end();
    }
    return {
      type: "btrfs",
      ...spec.label !== void 0 ? { label: spec.label } : {},
      uuid: s.uuid,
      stats: {
        sizeBytes: fsSize,
        minimumBytes: s.size,
        bytesWritten: bytesCopied,
        dirs: s.counts.dirs,
        files: s.counts.files,
        symlinks: s.counts.symlinks,
        contentBytes: tree.contentBytes(),
        nodesize: NODE_SIZE,
        sectorsize: SECTOR_SIZE,
        deterministic: s.deterministic ? "yes" : "no"
      }
    };
  } finally {
    await removeTree(s.dir).catch(() => void 0);
  }
}

// src/fs/ext4-superblock.ts
import { promises as fsp8 } from "node:fs";
var SB_OFFSET = 1024;
var SB_SIZE = 1024;
var SB2 = {
  INODES_COUNT: 0,
  BLOCKS_LO: 4,
  R_BLOCKS_LO: 8,
  FREE_BLOCKS_LO: 12,
  FREE_INODES: 16,
  FIRST_DATA_BLOCK: 20,
  LOG_BLOCK_SIZE: 24,
  BLOCKS_PER_GROUP: 32,
  INODES_PER_GROUP: 40,
  MTIME: 44,
  WTIME: 48,
  MNT_COUNT: 52,
  MAGIC: 56,
  STATE: 58,
  LASTCHECK: 64,
  CREATOR_OS: 72,
  INODE_SIZE: 88,
  BLOCK_GROUP_NR: 90,
  FEATURE_COMPAT: 92,
  FEATURE_INCOMPAT: 96,
  FEATURE_RO_COMPAT: 100,
  UUID: 104,
  VOLUME_NAME: 120,
  JOURNAL_UUID: 208,
  JOURNAL_INUM: 224,
  HASH_SEED: 236,
  DESC_SIZE: 254,
  /** s_jnl_blocks[17]: the journal inode's i_block[15], i_size_high, i_size. */
  JNL_BLOCKS: 268,
  JNL_SIZE_HIGH: 328,
  JNL_SIZE: 332,
  MKFS_TIME: 264,
  BLOCKS_HI: 336,
  R_BLOCKS_HI: 340,
  FREE_BLOCKS_HI: 344,
  FLAGS: 352,
  KBYTES_WRITTEN: 376,
  WTIME_HI: 628,
  CHECKSUM_SEED: 624,
  JNL_BACKUP_TYPE: 253,
  CHECKSUM: 1020
};
var EXT4_MAGIC = 61267;
var FLAG_SIGNED_HASH = 1;
var FLAG_UNSIGNED_HASH = 2;
var COMPAT_HAS_JOURNAL = 4;
var COMPAT_SPARSE_SUPER2 = 512;
var INCOMPAT_META_BG = 16;
var INCOMPAT_64BIT = 128;
var RO_COMPAT_SPARSE_SUPER = 1;
var RO_COMPAT_METADATA_CSUM = 1024;
var JNL_BACKUP_BLOCKS = 1;
var EXT4_COMPAT = ["dir_prealloc", "imagic_inodes", "has_journal", "ext_attr", "resize_inode", "dir_index", "lazy_bg", "snapshot_bitmap", "exclude_bitmap", "sparse_super2", "fast_commit", "stable_inodes", "orphan_file"];
var EXT4_INCOMPAT = ["compression", "filetype", "needs_recovery", "journal_dev", "meta_bg", "FEATURE_I5", "extent", "64bit", "mmp", "flex_bg", "ea_inode", "FEATURE_I11", "dirdata", "metadata_csum_seed", "large_dir", "inline_data", "encrypt", "casefold"];
var EXT4_RO = ["sparse_super", "large_file", "FEATURE_R2", "huge_file", "uninit_bg", "dir_nlink", "extra_isize", "snapshot", "quota", "bigalloc", "metadata_csum", "replica", "read-only", "project", "shared_blocks", "verity", "orphan_present"];
function bits(v, names, prefix) {
  const out = [];
  for (let i2 = 0; i2 < 32; i2++) if (v & 1 << i2) out.push(names[i2] ?? `FEATURE_${prefix}${i2}`);
  return out;
}
function ext4FeatureNames(sb) {
  return [
    ...bits(sb.readUInt32LE(SB2.FEATURE_COMPAT), EXT4_COMPAT, "C"),
    ...bits(sb.readUInt32LE(SB2.FEATURE_INCOMPAT), EXT4_INCOMPAT, "I"),
    ...bits(sb.readUInt32LE(SB2.FEATURE_RO_COMPAT), EXT4_RO, "R")
  ];
}
function parseExt4Superblock(sb) {
  if (sb.length < SB_SIZE || sb.readUInt16LE(SB2.MAGIC) !== EXT4_MAGIC) throw new Error("not an ext2/3/4 superblock");
  const is64 = (sb.readUInt32LE(SB2.FEATURE_INCOMPAT) & INCOMPAT_64BIT) !== 0;
  const hi = (o2) => is64 ? sb.readUInt32LE(o2) * 2 ** 32 : 0;
  const blockSize = 1024 << sb.readUInt32LE(SB2.LOG_BLOCK_SIZE);
  const hasJournal = (sb.readUInt32LE(SB2.FEATURE_COMPAT) & COMPAT_HAS_JOURNAL) !== 0 && sb.readUInt32LE(SB2.JOURNAL_INUM) !== 0;
  let journalBlocks = 0;
  if (hasJournal && sb[SB2.JNL_BACKUP_TYPE] === JNL_BACKUP_BLOCKS) {
    journalBlocks = Math.floor((sb.readUInt32LE(SB2.JNL_SIZE_HIGH) * 2 ** 32 + sb.readUInt32LE(SB2.JNL_SIZE)) / blockSize);
  }
  return {
    inodes: sb.readUInt32LE(SB2.INODES_COUNT),
    freeInodes: sb.readUInt32LE(SB2.FREE_INODES),
    blocks: sb.readUInt32LE(SB2.BLOCKS_LO) + hi(SB2.BLOCKS_HI),
    freeBlocks: sb.readUInt32LE(SB2.FREE_BLOCKS_LO) + hi(SB2.FREE_BLOCKS_HI),
    blockSize,
    journalBlocks,
    features: ext4FeatureNames(sb).join(" ")
  };
}
async function readExt4Superblock(image, offset) {
  const fh = await fsp8.open(image, "r");
  try {
    const sb = Buffer.alloc(SB_SIZE);
    const { bytesRead } = await fh.read(sb, 0, SB_SIZE, offset + SB_OFFSET);
    if (bytesRead !== SB_SIZE || sb.readUInt16LE(SB2.MAGIC) !== EXT4_MAGIC) throw new Error(`no ext2/3/4 superblock at byte ${offset + SB_OFFSET}`);
    return sb;
  } finally {
    await fh.close();
  }
}
var GD = { INODE_BITMAP_LO: 4, INODE_TABLE_LO: 8, FLAGS: 18, INODE_BITMAP_HI: 36, INODE_TABLE_HI: 40 };
var INODE_FLAGS = 32;
var INODE = { UID: 2, ATIME: 8, CTIME: 12, MTIME: 16, GID: 24, UID_HIGH: 120, GID_HIGH: 122 };
var STRUCTURAL_INODE_FLAGS = 4096 | 262144 | 524288 | 268435456;
var BG_INODE_UNINIT = 1;
async function usedInodeFlags(image, offset) {
  return (await usedInodeInfo(image, offset)).map((i2) => [i2.ino, i2.flags]);
}
async function usedInodeInfo(image, offset) {
  const sb = await readExt4Superblock(image, offset);
  const incompat = sb.readUInt32LE(SB2.FEATURE_INCOMPAT);
  if (incompat & INCOMPAT_META_BG) throw new Error("meta_bg group descriptors are not supported");
  const blockSize = 1024 << sb.readUInt32LE(SB2.LOG_BLOCK_SIZE);
  const is64 = (incompat & INCOMPAT_64BIT) !== 0;
  const descSize = is64 ? sb.readUInt16LE(SB2.DESC_SIZE) || 64 : 32;
  const ipg = sb.readUInt32LE(SB2.INODES_PER_GROUP);
  const groups = Math.ceil(sb.readUInt32LE(SB2.INODES_COUNT) / ipg);
  const fh = await fsp8.open(image, "r");
  try {
    const gdStart = offset + (sb.readUInt32LE(SB2.FIRST_DATA_BLOCK) + 1) * blockSize;
    const gd = Buffer.alloc(groups * descSize);
    await fh.read(gd, 0, gd.length, gdStart);
    const used = [];
    const bitmap = Buffer.alloc(Math.ceil(ipg / 8));
    const inodeSize = sb.readUInt16LE(SB2.INODE_SIZE);
    const table2 = Buffer.alloc(ipg * inodeSize);
    for (let g = 0; g < groups; g++) {
      const d = g * descSize;
      if (gd.readUInt16LE(d + GD.FLAGS) & BG_INODE_UNINIT) continue;
      const blk = gd.readUInt32LE(d + GD.INODE_BITMAP_LO) + (is64 && descSize >= 64 ? gd.readUInt32LE(d + GD.INODE_BITMAP_HI) * 2 ** 32 : 0);
      await fh.read(bitmap, 0, bitmap.length, offset + blk * blockSize);
      const hi = (o2) => is64 && descSize >= 64 ? gd.readUInt32LE(d + o2) * 2 ** 32 : 0;
      await fh.read(table2, 0, table2.length, offset + (gd.readUInt32LE(d + GD.INODE_TABLE_LO) + hi(GD.INODE_TABLE_HI)) * blockSize);
      for (let i2 = 0; i2 < ipg; i2++) {
        if (!(bitmap[i2 >> 3] & 1 << (i2 & 7))) continue;
        const o2 = i2 * inodeSize;
        used.push({
          ino: g * ipg + i2 + 1,
          flags: table2.readUInt32LE(o2 + INODE_FLAGS),
          uid: table2.readUInt16LE(o2 + INODE.UID) + table2.readUInt16LE(o2 + INODE.UID_HIGH) * 65536,
          gid: table2.readUInt16LE(o2 + INODE.GID) + table2.readUInt16LE(o2 + INODE.GID_HIGH) * 65536,
          times: [table2.readUInt32LE(o2 + INODE.ATIME), table2.readUInt32LE(o2 + INODE.CTIME), table2.readUInt32LE(o2 + INODE.MTIME)]
        });
      }
    }
    return used;
  } finally {
    await fh.close();
  }
}

// src/fs/ext4.ts
var EXT4_BLOCK_SIZE = 4096;
var INODE_SIZE = 256;
var BLOCKS_PER_GROUP = EXT4_BLOCK_SIZE * 8;
var EXT4_INODE_RATIO = 16384;
var RESERVED_PERCENT = 5;
var MAX_LABEL_BYTES = 16;
var MKE2FS_CONF = `[defaults]
	base_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
	default_mntopts = acl,user_xattr
	enable_periodic_fsck = 0
	blocksize = 4096
	inode_size = 256
	inode_ratio = 16384

[fs_types]
	ext3 = {
		features = has_journal
	}
	ext4 = {
		features = has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize
	}
	small = {
		blocksize = 1024
		inode_ratio = 4096
	}
	floppy = {
		blocksize = 1024
		inode_ratio = 8192
	}
	big = {
		inode_ratio = 32768
	}
	huge = {
		inode_ratio = 65536
	}
	news = {
		inode_ratio = 4096
	}
	largefile = {
		inode_ratio = 1048576
		blocksize = -1
	}
	largefile4 = {
		inode_ratio = 4194304
		blocksize = -1
	}
	hurd = {
	     blocksize = 4096
	     inode_size = 128
	     warn_y2038_dates = 0
	}
`;
var DEFAULT_EXT4_FEATURES = [
  "sparse_super",
  "large_file",
  "filetype",
  "resize_inode",
  "dir_index",
  "ext_attr",
  "has_journal",
  "extent",
  "huge_file",
  "flex_bg",
  "metadata_csum",
  "64bit",
  "dir_nlink",
  "extra_isize"
];
var SUPPORTED_FEATURES = /* @__PURE__ */ new Set([
  ...DEFAULT_EXT4_FEATURES,
  "extents",
  "uninit_bg",
  "metadata_csum_seed",
  "quota",
  "project",
  "encrypt",
  "casefold",
  "large_dir",
  "inline_data",
  "stable_inodes",
  "verity",
  "mmp",
  "fast_commit",
  "orphan_file"
]);
var REFUSED_FEATURES = {
  bigalloc: "it allocates in clusters",
  meta_bg: "it changes where group descriptors go",
  sparse_super2: "it changes where superblock backups go",
  journal_dev: "it makes an external journal device, not a filesystem",
  ea_inode: "it stores xattrs in inodes"
};
function ext4Features(spec, where2 = "ext4") {
  const set = new Set(DEFAULT_EXT4_FEATURES);
  for (const [i2, f] of (spec.features ?? []).entries()) {
    const off2 = f.startsWith("^");
    let name = off2 ? f.slice(1) : f;
    if (name === "extents") name = "extent";
    if (REFUSED_FEATURES[name]) throw usageError(`${where2}: features[${i2}]: "${name}" is not supported (${REFUSED_FEATURES[name]})`);
    if (!SUPPORTED_FEATURES.has(name)) {
      throw usageError(`${where2}: features[${i2}]: "${f}" is not an ext4 feature imgsmith knows (e.g. "^has_journal", "^metadata_csum", "quota")`);
    }
    if (off2) set.delete(name);
    else set.add(name);
  }
  if (set.has("metadata_csum")) set.delete("uninit_bg");
  if (set.has("64bit") && !set.has("extent")) throw usageError(`${where2}: features: "^extent" needs "^64bit" too (mke2fs refuses a 64-bit filesystem without extents)`);
  if (set.has("resize_inode") && !set.has("sparse_super")) throw usageError(`${where2}: features: "^sparse_super" needs "^resize_inode" too (mke2fs refuses reserved GDT blocks without sparse_super)`);
  return set;
}
function validateSpec2(spec, where2) {
  if (spec.label !== void 0) {
    const n2 = Buffer.byteLength(spec.label);
    if (n2 > MAX_LABEL_BYTES) throw usageError(`${where2}: the ext4 label "${spec.label}" is ${n2} bytes long; at most ${MAX_LABEL_BYTES} are allowed`);
    if (/[\0-\x1f]/.test(spec.label)) throw usageError(`${where2}: the ext4 label "${spec.label}" contains a control character`);
  }
  if (spec.uuid !== void 0 && !UUID_RE.test(spec.uuid)) {
    throw usageError(`${where2}: "${spec.uuid}" is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`);
  }
  if (spec.extraSpace !== void 0 && (!Number.isSafeInteger(spec.extraSpace) || spec.extraSpace < 0)) {
    throw usageError(`${where2}: extraSpace must be a whole number of bytes >= 0`);
  }
  ext4Features(spec, where2);
}
function validateTree2(tree, where2) {
  for (const [p, e] of tree.explicitEntries()) {
    for (const c3 of p.split("/")) {
      if (c3.length > 255) throw inputError(`${where2}: the name "${show(c3.slice(0, 40))}..." in ${show(p)} is longer than 255 bytes (ext4's limit)`);
    }
    if (e.kind === "symlink") {
      const n2 = e.target.length;
      if (n2 === 0) throw inputError(`${where2}: the symlink ${show(p)} has an empty target`);
      if (n2 >= EXT4_BLOCK_SIZE) throw inputError(`${where2}: the target of the symlink ${show(p)} is ${n2} bytes; ext4 allows at most ${EXT4_BLOCK_SIZE - 1}`);
    }
  }
}
function defaultExt4Uuid(offset, label2 = "") {
  return uuidFromHash(createHash2("sha256").update(`imgsmith ext4 ${offset} ${label2}`).digest());
}
var divCeil = (a2, b) => Math.ceil(a2 / b);
function isPowerOf(n2, b) {
  if (n2 < 1) return false;
  while (n2 % b === 0) n2 /= b;
  return n2 === 1;
}
function groupHasSuper(g, sparse) {
  if (g === 0 || !sparse) return true;
  if (g % 2 === 0) return false;
  return g === 1 || isPowerOf(g, 3) || isPowerOf(g, 5) || isPowerOf(g, 7);
}
function defaultJournalBlocks(blocks) {
  if (blocks < 2048) return -1;
  if (blocks < 32768) return 1024;
  if (blocks < 256 * 1024) return 4096;
  if (blocks < 512 * 1024) return 8192;
  if (blocks < 4096 * 1024) return 16384;
  if (blocks < 8192 * 1024) return 32768;
  if (blocks < 16384 * 1024) return 65536;
  if (blocks < 32768 * 1024) return 131072;
  return 262144;
}
function ext4InodeCount(content, blocks) {
  const needed = content.inodesUsed + 64 + Math.ceil((content.inodesUsed - 11) * 0.01);
  return Math.max(needed, Math.floor(blocks * EXT4_BLOCK_SIZE / EXT4_INODE_RATIO));
}
function ext4Geometry(requestedBlocks, requestedInodes, features) {
  const descSize = features.has("64bit") ? 64 : 32;
  const descPerBlock = EXT4_BLOCK_SIZE / descSize;
  const sparse = features.has("sparse_super");
  let blocks = requestedBlocks;
  for (; ; ) {
    const groups = divCeil(blocks, BLOCKS_PER_GROUP);
    const descBlocks = divCeil(groups, descPerBlock);
    let ipg = divCeil(Math.max(requestedInodes, 12), groups);
    if (ipg > BLOCKS_PER_GROUP) ipg = BLOCKS_PER_GROUP;
    const inodeTableBlocks = divCeil(ipg * INODE_SIZE, EXT4_BLOCK_SIZE);
    ipg = inodeTableBlocks * EXT4_BLOCK_SIZE / INODE_SIZE & ~7;
    let reservedGdtBlocks = 0;
    if (features.has("resize_inode")) {
      const maxBlocks = Math.min(blocks * 1024, 4294967295);
      const rsvGroups = divCeil(maxBlocks, BLOCKS_PER_GROUP);
      reservedGdtBlocks = Math.min(divCeil(rsvGroups, descPerBlock) - descBlocks, EXT4_BLOCK_SIZE / 4);
    }
    let lastOverhead = 2 + inodeTableBlocks;
    if (groupHasSuper(groups - 1, sparse)) lastOverhead += 1 + descBlocks + reservedGdtBlocks;
    const rem = blocks % BLOCKS_PER_GROUP;
    if (groups > 1 && rem && rem < lastOverhead + 50) {
      blocks -= rem;
      continue;
    }
    let overhead = 0;
    for (let g = 0; g < groups; g++) {
      overhead += 2 + inodeTableBlocks;
      if (groupHasSuper(g, sparse)) overhead += 1 + descBlocks + reservedGdtBlocks;
    }
    const journal = features.has("has_journal") ? Math.max(0, defaultJournalBlocks(blocks)) : 0;
    const fastCommit = features.has("fast_commit") ? Math.floor(journal / 64) : 0;
    overhead += journal + fastCommit;
    if (!features.has("extent")) overhead += extentTreeBlocks(journal + fastCommit, false);
    overhead += 1;
    overhead += 4;
    if (features.has("resize_inode")) overhead += 1;
    if (features.has("quota")) overhead += 2 * 2 + (features.has("project") ? 2 : 0);
    if (features.has("mmp")) overhead += 1;
    if (features.has("orphan_file")) overhead += Math.min(512, Math.max(1, divCeil(blocks, 4096)));
    return {
      blocks,
      groups,
      inodesPerGroup: ipg,
      inodes: ipg * groups,
      inodeTableBlocks,
      descBlocks,
      reservedGdtBlocks,
      journalBlocks: journal,
      overhead,
      free: blocks - overhead
    };
  }
}
function dirBlocks(nameLengths, csum) {
  const cap = EXT4_BLOCK_SIZE - (csum ? 12 : 0);
  let blocks = 1;
  let used = 24;
  for (const n2 of nameLengths) {
    const rec = 8 + n2 + 3 & ~3;
    if (used + rec > cap) {
      blocks++;
      used = 0;
    }
    used += rec;
  }
  return blocks;
}
function extentTreeBlocks(blocks, extents) {
  if (!extents) {
    const per = EXT4_BLOCK_SIZE / 4;
    let b = blocks - 12;
    if (b <= 0) return 0;
    let n2 = 1;
    b -= per;
    if (b <= 0) return n2;
    n2 += 1 + divCeil(Math.min(b, per * per), per);
    b -= per * per;
    if (b <= 0) return n2;
    return n2 + 1 + divCeil(b, per * per) + divCeil(b, per);
  }
  const exts = divCeil(blocks, 32768) + divCeil(blocks, BLOCKS_PER_GROUP) + 1;
  if (exts <= 4) return 0;
  const leaves = divCeil(exts, 340);
  return leaves + (leaves > 4 ? divCeil(leaves, 340) : 0);
}
async function ext4Content(tree, features, where2 = "ext4") {
  const counter = ext4Counter(features, where2);
  let n2 = 0;
  for (const e of walkTree(tree, { dirEnds: true })) {
    counter.add(e);
    if (++n2 % 8192 === 0) await new Promise((r) => setImmediate(r));
  }
  return counter.content;
}
function ext4Counter(features, where2 = "ext4") {
  const csum = features.has("metadata_csum");
  const extents = features.has("extent");
  const seen = /* @__PURE__ */ new Set();
  const c3 = { inodesUsed: 11, blocks: 0, files: 0, dirs: 0, symlinks: 0, hardlinks: 0, modeFixups: [] };
  const fileBlocks = (size) => {
    const b = divCeil(size, EXT4_BLOCK_SIZE);
    return b + extentTreeBlocks(b, extents);
  };
  const stack = [];
  const add = (e) => {
    if (e.kind === "end") {
      const names = stack.pop();
      const isRoot = e.path === "/";
      if (isRoot) names.unshift(10);
      const b = dirBlocks(names, csum);
      const idx = extents ? b > 4 ? divCeil(b, 340) : 0 : extentTreeBlocks(b, false);
      c3.blocks += (isRoot ? b - 1 : b) + idx;
      return;
    }
    if (e.path.length > (c3.longestPath ?? 0)) c3.longestPath = e.path.length;
    if (e.path !== "/") {
      const name = e.path.slice(e.path.lastIndexOf("/") + 1);
      if (name.length > 255) throw inputError(`${where2}: the name "${show(name.slice(0, 40))}..." in ${show(e.path)} is longer than 255 bytes (ext4's limit)`);
      if (stack.length === 1 && name === "lost+found" && e.kind === "dir") {
        stack.push([]);
        return;
      }
      stack[stack.length - 1].push(name.length);
    }
    switch (e.kind) {
      case "dir":
        stack.push([]);
        if (e.path !== "/") {
          c3.dirs++;
          c3.inodesUsed++;
        }
        break;
      case "file": {
        if (e.hostMode !== void 0) c3.modeFixups.push([e.path, e.mode]);
        if (e.linkKey !== void 0) {
          if (seen.has(e.linkKey)) {
            c3.hardlinks++;
            break;
          }
          seen.add(e.linkKey);
        }
        c3.files++;
        c3.inodesUsed++;
        c3.blocks += fileBlocks(e.size);
        break;
      }
      case "data":
        c3.files++;
        c3.inodesUsed++;
        c3.blocks += fileBlocks(e.data.length);
        break;
      case "symlink": {
        const len = e.target.length;
        if (len === 0) throw inputError(`${where2}: the symlink ${show(e.path)} has an empty target`);
        if (len >= EXT4_BLOCK_SIZE) throw inputError(`${where2}: the target of the symlink ${show(e.path)} is ${len} bytes; ext4 allows at most ${EXT4_BLOCK_SIZE - 1}`);
        c3.symlinks++;
        c3.inodesUsed++;
        if (len >= 60) c3.blocks += 1;
        break;
      }
    }
  };
  return { add, content: c3 };
}
function marginBlocks(content, groups) {
  return 16 + 2 * groups + Math.ceil(content.blocks * 2e-3);
}
function ext4Fit(content, blocks, features, freeBlocks = 0) {
  const inodesRequested = ext4InodeCount(content, blocks);
  const geometry = ext4Geometry(blocks, inodesRequested, features);
  const contentBlocks = content.blocks + marginBlocks(content, geometry.groups);
  const fits2 = geometry.inodes >= content.inodesUsed && geometry.inodesPerGroup <= BLOCKS_PER_GROUP && divCeil(inodesRequested, geometry.groups) <= BLOCKS_PER_GROUP && (!features.has("has_journal") || defaultJournalBlocks(geometry.blocks) > 0) && geometry.free >= contentBlocks + freeBlocks;
  return { contentBlocks, geometry, inodesRequested, fits: fits2 };
}
function ext4MinimumBytes(content, features, extraBytes = 0) {
  const extra = divCeil(extraBytes, EXT4_BLOCK_SIZE);
  const step = MiB2 / EXT4_BLOCK_SIZE;
  let blocks = Math.max(step, Math.ceil((content.blocks + extra) / step) * step);
  for (let guard = 0; guard < 1e6; guard++) {
    const f = ext4Fit(content, blocks, features, extra);
    if (f.fits) return blocks * EXT4_BLOCK_SIZE;
    const short = f.contentBlocks + extra - f.geometry.free;
    const jump = short > 4 * step ? Math.floor(short / step) * step : step;
    blocks += Math.max(step, jump);
  }
  throw buildError("ext4: could not compute a size for the content");
}
var measured = /* @__PURE__ */ new WeakMap();
async function measure(spec, tree, listIn) {
  const features = ext4Features(spec);
  const key = [...features].sort().join(",");
  const hit = measured.get(tree);
  if (hit && hit.key === key && hit.size === tree.size && (listIn === void 0 || hit.listed)) return { ...await hit.result, features };
  const run3 = async () => {
    if (listIn === void 0 || !(await populateAvailable(features) || await virtualTreeAvailable())) return { content: await ext4Content(tree, features) };
    const counter = ext4Counter(features);
    const virtual = await writeTreeList(tree, listIn, counter.add, { log: !await populateAvailable(features) });
    return { content: counter.content, virtual };
  };
  const result = run3();
  measured.set(tree, { key, size: tree.size, listed: listIn !== void 0, result });
  return { ...await result, features };
}
async function writeTreeList(tree, parent, onEntry, opts2 = {}) {
  const dir = await fsp9.mkdtemp(path14.join(parent, "ext4-tree-"));
  await fsp9.mkdir(path14.join(dir, "data"));
  const list = new VirtualListWriter(path14.join(dir, "list"), path14.join(dir, "data"));
  const log2 = opts2.log ? new SourceLog() : void 0;
  let sizes = Buffer.alloc(8 * 1024);
  try {
    let n2 = 0;
    for (const e of walkTree(tree, { dirEnds: true })) {
      onEntry?.(e);
      log2?.add(e);
      if (e.kind !== "end") {
        const i2 = list.entries;
        if ((i2 + 1) * 8 > sizes.length) sizes = Buffer.concat([sizes, Buffer.alloc(sizes.length)]);
        sizes.writeBigUInt64LE(BigInt(e.kind === "file" ? e.size : e.kind === "data" ? e.data.length : 0), i2 * 8);
      }
      list.add(e);
      if (++n2 % 8192 === 0) await new Promise((r) => setImmediate(r));
    }
    await fsp9.writeFile(path14.join(dir, "sizes"), sizes.subarray(0, list.entries * 8));
  } catch (err) {
    list.close();
    void removeTree(dir).catch(() => void 0);
    throw err;
  }
  list.close();
  return { dir, list: list.file, entries: list.entries, sizes: path14.join(dir, "sizes"), ...log2 ? { log: log2 } : {} };
}
async function assertFits(spec, tree, size, where2) {
  const { content, features } = await measure(spec, tree);
  const blocks = Math.floor(size / EXT4_BLOCK_SIZE);
  const f = ext4Fit(content, blocks, features);
  if (!f.fits) {
    const min = ext4MinimumBytes(content, features);
    throw doesNotFit(
      `${where2}: the content does not fit in ${formatSize(size)} of ext4: it needs at least ${formatSize(min)} (${content.files} files, ${content.dirs} directories, ${content.symlinks} symlinks, ${content.inodesUsed} inodes, ${content.blocks} blocks of ${EXT4_BLOCK_SIZE} bytes for data and directories; ${f.geometry.overhead} blocks of filesystem metadata and journal at this size)`
    );
  }
}
function toolEnv(epoch, confPath) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === void 0) continue;
    if (/^(MKE2FS_|E2FSPROGS_|E2FSCK_|DEBUGFS_|LC_|LANG$|LANGUAGE$|TZ$|EXT2FS_|BLKID_)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, LC_ALL: "C", TZ: "UTC", E2FSPROGS_FAKE_TIME: String(epoch), MKE2FS_CONFIG: confPath };
}
async function run(cmd, args, env, what, watch) {
  try {
    if (watch) {
      const sub = execa(cmd, args, { env, extendEnv: false, stdio: ["ignore", "pipe", "pipe", "pipe"], buffer: { stdout: true, stderr: true, fd3: false }, maxBuffer: 512 * MiB2 });
      watch.attach(sub.stdio[3]);
      const r2 = await sub;
      return { stdout: String(r2.stdout), stderr: String(r2.stderr) };
    }
    const r = await execa(cmd, args, { env, extendEnv: false, stdin: "ignore", maxBuffer: 512 * MiB2 });
    return { stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err;
    if (e.code === "ENOENT") throw new ToolMissingError(cmd, `${what}: ${cmd} is not installed (it comes with e2fsprogs)`);
    const detail = (e.stderr || e.stdout || e.shortMessage || String(err)).trim().split("\n").slice(-8).join("\n");
    throw toolFailed(cmd, `${what}: ${cmd} failed: ${detail}`, err);
  }
}
async function unfakedInode(image, offset, epoch) {
  const lo = epoch % 2 ** 32;
  for (const i2 of await usedInodeInfo(image, offset)) {
    if (i2.ino !== 2 && i2.ino < 11) continue;
    if (i2.uid !== 0 || i2.gid !== 0 || i2.times.some((t) => t !== lo)) return i2.ino;
  }
  return void 0;
}
async function mke2fsVersion(env) {
  const v = parseVersion((await probeTool("mke2fs", env.PATH)).version);
  return [v[0] ?? 0, v[1] ?? 0, v[2] ?? 0];
}
function versionAtLeast(v, want) {
  for (let i2 = 0; i2 < want.length; i2++) {
    if ((v[i2] ?? 0) !== want[i2]) return (v[i2] ?? 0) > want[i2];
  }
  return true;
}
var POPULATE_PATH = fileURLToPath5(new URL("../build/Release/imgsmith-ext4-populate", import.meta.url));
function populatePath() {
  return process.env.IMGSMITH_EXT4_POPULATE || POPULATE_PATH;
}
var POPULATE_REFUSES = ["inline_data", "encrypt", "casefold", "verity", "quota", "project", "mmp"];
async function populateAvailable(features) {
  if (process.env.IMGSMITH_NO_NATIVE === "1" || process.env.IMGSMITH_NO_POPULATE === "1") return false;
  if (!features.has("extent") || POPULATE_REFUSES.some((f) => features.has(f))) return false;
  const exe = populatePath();
  const ok = await fsp9.access(exe, fsConstants.X_OK).then(
    () => true,
    () => false
  );
  return ok && helperSpeaksProtocol(exe);
}
var POPULATE_PROTOCOL = 2;
var protocolChecked = /* @__PURE__ */ new Map();
var staleHelper;
function helperSpeaksProtocol(exe) {
  let p = protocolChecked.get(exe);
  if (!p) {
    p = execa(exe, ["--protocol"], { reject: false, stdin: "ignore", timeout: 1e4 }).then((r) => {
      const m = /^imgsmith-ext4-populate protocol (\d+)$/.exec(String(r.stdout).trim());
      if (r.exitCode === 0 && m && Number(m[1]) === POPULATE_PROTOCOL) return true;
      staleHelper = `the ext4 populate helper ${exe} is from another imgsmith version (${m ? `protocol ${m[1]}` : "no protocol"}, this one needs ${POPULATE_PROTOCOL}): rebuild it with npm run build:native; using mke2fs -d meanwhile`;
      return false;
    });
    protocolChecked.set(exe, p);
  }
  return p;
}
var MKE2FS_D_MAX_PATH = 1024;
function checkFallbackPaths(content, where2) {
  const longest = content.longestPath ?? 0;
  if (longest <= MKE2FS_D_MAX_PATH) return;
  throw inputError(
    `${where2}: the tree has a path of ${longest} bytes; the mke2fs -d fallback writes paths of at most ${MKE2FS_D_MAX_PATH} bytes (e2fsprogs corrupts its memory on longer ones): build the populate helper (npm run build:native) and unset IMGSMITH_NO_POPULATE/IMGSMITH_NO_NATIVE, or make the tree shallower`
  );
}
async function populate(target, list, ctx, env, where2) {
  const watch = ctx.watchWrites?.(target.offset, target.offset + target.size);
  const args = [target.imagePath, String(target.offset), list.list, String(ctx.epoch), list.sizes];
  const { IMGSMITH_SHIM_WRITELOG: _inherited, ...base } = env;
  const sub = execa(populatePath(), args, {
    env: { ...base, ...watch?.env },
    extendEnv: false,
    reject: false,
    stdio: ["ignore", "pipe", "pipe", ...watch ? ["pipe"] : []],
    buffer: { stdout: true, stderr: true, fd3: false }
  });
  if (watch) watch.attach(sub.stdio[3]);
  const r = await sub;
  const msg = String(r.stderr).trim().split("\n").slice(-4).join("\n");
  if (r.exitCode === 3) throw doesNotFit(`${where2}: the content does not fit: ${msg}`);
  if (r.exitCode === 2) throw inputError(`${where2}: ${msg}`);
  if (r.exitCode !== 0) throw toolFailed("imgsmith-ext4-populate", `${where2}: the ext4 populate helper failed: ${msg || r.shortMessage}`, r);
  const m = /^entries (\d+) inodes (\d+)$/m.exec(String(r.stdout));
  if (!m) throw toolFailed("imgsmith-ext4-populate", `${where2}: the ext4 populate helper printed no counts: ${String(r.stdout).slice(0, 200)}`, r);
  return { entries: Number(m[1]), inodes: Number(m[2]) };
}
async function zeroRange(image, offset, size) {
  try {
    await execa("fallocate", ["--punch-hole", "--keep-size", "--offset", String(offset), "--length", String(size), image], { stdin: "ignore" });
    return;
  } catch {
  }
  const fh = await fsp9.open(image, "r+");
  try {
    const chunk = 4 * MiB2;
    const buf = Buffer.alloc(chunk);
    const zero = Buffer.alloc(chunk);
    for (let pos = 0; pos < size; pos += chunk) {
      const n2 = Math.min(chunk, size - pos);
      const { bytesRead } = await fh.read(buf, 0, n2, offset + pos);
      if (buf.subarray(0, bytesRead).some((b) => b !== 0)) await fh.write(zero, 0, n2, offset + pos);
    }
  } finally {
    await fh.close();
  }
}
async function normaliseWithDebugfs(image, offset, stage, tree, groups, epoch, env, work, where2) {
  const dev = `${image}?offset=${offset}`;
  const usedFlags = await usedInodeFlags(image, offset);
  const e = String(epoch);
  const cmds = [];
  let i2 = 0;
  let batch = [];
  const flush = async () => {
    const sts = await Promise.all(batch.map((r2) => fsp9.lstat(Buffer.concat([Buffer.from(stage), Buffer.from(r2.path, "latin1")]))));
    batch.forEach((r2, j) => {
      if ((sts[j].mode & 4095) === r2.mode) return;
      if (/["\n\\]/.test(r2.path)) {
        throw buildError(`${where2}: cannot set the mode of ${JSON.stringify(r2.path)} (a name with a quote, backslash or newline) without the mke2fs shim; build it with npm run build:native`);
      }
      cmds.push(`sif "${r2.path}" mode 0${(32768 | r2.mode).toString(8)}`);
    });
    batch = [];
  };
  for (const r2 of shimRecords(tree, groups)) {
    if (r2.kind === "file" && r2.ino === i2) batch.push(r2);
    if (batch.length >= 128) await flush();
    i2++;
  }
  await flush();
  for (const [ino, flags] of usedFlags) {
    if (ino !== 2 && ino < 11) continue;
    if (flags & ~STRUCTURAL_INODE_FLAGS) cmds.push(`sif <${ino}> flags 0x${(flags & STRUCTURAL_INODE_FLAGS).toString(16)}`);
    cmds.push(`sif <${ino}> uid 0`, `sif <${ino}> gid 0`, `sif <${ino}> atime ${e}`, `sif <${ino}> mtime ${e}`, `sif <${ino}> ctime ${e}`, `sif <${ino}> crtime ${e}`);
  }
  const cmdFile = path14.join(work, "normalise.debugfs");
  await fsp9.writeFile(cmdFile, Buffer.from(cmds.join("\n") + "\n", "latin1"));
  const r = await run("debugfs", ["-w", "-f", cmdFile, dev], env, where2);
  const problems = r.stderr.split("\n").filter((l) => l.trim() !== "" && !/^debugfs \d/.test(l));
  if (problems.length) throw new ToolFailedError("debugfs", `${where2}: debugfs could not normalise inodes: ${problems.slice(0, 5).join("; ")}`);
}
async function readSuperblock(image, offset) {
  return readExt4Superblock(image, offset).catch(() => {
    throw new ToolFailedError("mke2fs", `ext4 at ${offset}: mke2fs left no superblock`);
  });
}
var superblockCsum = (sb) => (crc32c(sb, 0, SB2.CHECKSUM) ^ 4294967295) >>> 0;
async function patchSuperblocks(image, offset, edit) {
  const fh = await fsp9.open(image, "r+");
  try {
    const primary = Buffer.alloc(SB_SIZE);
    await fh.read(primary, 0, SB_SIZE, offset + SB_OFFSET);
    if (primary.readUInt16LE(SB2.MAGIC) !== 61267) throw buildError(`ext4 at ${offset}: no superblock to patch`);
    const compat = primary.readUInt32LE(SB2.FEATURE_COMPAT);
    const incompat = primary.readUInt32LE(SB2.FEATURE_INCOMPAT);
    const roCompat = primary.readUInt32LE(SB2.FEATURE_RO_COMPAT);
    if (compat & COMPAT_SPARSE_SUPER2 || incompat & INCOMPAT_META_BG) throw buildError(`ext4 at ${offset}: cannot patch superblocks with sparse_super2 or meta_bg`);
    const csum = (roCompat & RO_COMPAT_METADATA_CSUM) !== 0;
    if (csum && primary.readUInt32LE(SB2.CHECKSUM) !== superblockCsum(primary)) throw buildError(`ext4 at ${offset}: the superblock checksum does not match`);
    const blockSize = 1024 << primary.readUInt32LE(SB2.LOG_BLOCK_SIZE);
    const blocks = primary.readUInt32LE(SB2.BLOCKS_LO) + (incompat & INCOMPAT_64BIT ? primary.readUInt32LE(SB2.BLOCKS_HI) * 2 ** 32 : 0);
    const firstData = primary.readUInt32LE(SB2.FIRST_DATA_BLOCK);
    const bpg = primary.readUInt32LE(SB2.BLOCKS_PER_GROUP);
    const groups = Math.ceil((blocks - firstData) / bpg);
    const sparse = (roCompat & RO_COMPAT_SPARSE_SUPER) !== 0;
    for (let g = 0; g < groups; g++) {
      if (!groupHasSuper(g, sparse)) continue;
      const pos = g === 0 ? offset + SB_OFFSET : offset + (firstData + g * bpg) * blockSize;
      const sb = Buffer.alloc(SB_SIZE);
      const { bytesRead } = await fh.read(sb, 0, SB_SIZE, pos);
      if (bytesRead !== SB_SIZE || sb.readUInt16LE(SB2.MAGIC) !== 61267 || sb.readUInt16LE(SB2.BLOCK_GROUP_NR) !== (g & 65535)) {
        throw buildError(`ext4 at ${offset}: no backup superblock in group ${g}`);
      }
      edit(sb);
      if (csum) sb.writeUInt32LE(superblockCsum(sb), SB2.CHECKSUM);
      await fh.write(sb, 0, SB_SIZE, pos);
    }
  } finally {
    await fh.close();
  }
}
var ext4Driver = {
  type: "ext4",
  holdsFiles: true,
  rootCandidate: true,
  reservedDirs: ["/lost+found"],
  spec: {
    properties: {
      label: schemaOf.label("at most 16 bytes"),
      uuid: schemaOf.uuid,
      features: { type: "array", items: { type: "string", pattern: "^\\^?[a-z0-9_]+$" }, description: 'mke2fs -O features, e.g. "^metadata_csum"' },
      extraSpace: { ...schemaOf.size, description: 'free space to leave for size "auto"' }
    },
    parse(o2, where2) {
      const features = o2.features === void 0 ? void 0 : arr(o2.features, `${where2}.features`).map(
        (f, i2) => str(f, `${where2}.features[${i2}]`, { pattern: /^\^?[a-z0-9_]+$/, what: 'an mke2fs feature name such as "metadata_csum" or "^has_journal"' })
      );
      return {
        type: "ext4",
        label: label(o2.label, `${where2}.label`, "ext4"),
        uuid: uuid(o2.uuid, `${where2}.uuid`),
        ...features ? { features } : {},
        ...o2.extraSpace !== void 0 ? { extraSpace: parseSize(o2.extraSpace, `${where2}.extraSpace`) } : {}
      };
    }
  },
  tools: () => ["debugfs", "mke2fs"],
  validate(spec, tree, where2) {
    validateSpec2(spec, where2);
    validateTree2(tree, where2);
  },
  async minimumSize(spec, tree, ctx) {
    const { content, features } = await measure(spec, tree, ctx.tmpDir);
    return ext4MinimumBytes(content, features, spec.extraSpace ?? 0);
  },
  async write(spec, tree, target, ctx) {
    validateSpec2(spec, `ext4 at ${target.offset}`);
    const where2 = `the ext4 filesystem at offset ${target.offset}`;
    const { content, features, virtual } = await measure(spec, tree);
    const blocks = Math.floor(target.size / EXT4_BLOCK_SIZE);
    const fit = ext4Fit(content, blocks, features);
    if (!fit.fits) await assertFits(spec, tree, target.size, where2);
    let listed = virtual && virtual.dir.startsWith(ctx.tmpDir + path14.sep) && await fsp9.stat(virtual.list).then(() => true, () => false) ? virtual : void 0;
    if (virtual) measured.delete(tree);
    const uuid2 = (spec.uuid ?? defaultExt4Uuid(target.offset, spec.label)).toLowerCase();
    const work = path14.join(ctx.tmpDir, `ext4-${target.offset}`);
    await fsp9.mkdir(work, { recursive: true });
    const conf = path14.join(work, "mke2fs.conf");
    await fsp9.writeFile(conf, MKE2FS_CONF);
    const env = toolEnv(ctx.epoch, conf);
    const stage = path14.join(work, "root");
    let staged = false;
    const progress = ctx.progress.phase("ext4", 4, "items");
    const version = await mke2fsVersion(env);
    const v147 = versionAtLeast(version, [1, 47, 0]);
    const ext = [`offset=${target.offset}`, `hash_seed=${uuid2}`, "nodiscard", "root_owner=0:0", "lazy_itable_init=1", "lazy_journal_init=1"];
    const mkfsArgs = (extra) => {
      const a2 = ["-t", "ext4", "-T", "default", "-b", String(EXT4_BLOCK_SIZE), "-I", String(INODE_SIZE)];
      a2.push("-N", String(fit.inodesRequested), "-m", String(RESERVED_PERCENT), "-U", uuid2, "-E", [...ext, ...extra].join(","));
      if (spec.label !== void 0) a2.push("-L", spec.label);
      if (spec.features?.length) a2.push("-O", spec.features.join(","));
      return a2;
    };
    const args = mkfsArgs(v147 ? ["assume_storage_prezeroed=1", "no_copy_xattrs"] : []);
    args.push("-d", stage, "-F", "-q", target.imagePath, `${blocks * (EXT4_BLOCK_SIZE / 1024)}k`);
    const seed = `imgsmith ext4 ${uuid2}`;
    const finish = async (how, info) => {
      const kbytesWritten = (await readSuperblock(target.imagePath, target.offset)).readBigUInt64LE(SB2.KBYTES_WRITTEN);
      await patchSuperblocks(target.imagePath, target.offset, (sb) => {
        const flags = sb.readUInt32LE(SB2.FLAGS);
        sb.writeUInt32LE((flags & ~FLAG_UNSIGNED_HASH | FLAG_SIGNED_HASH) >>> 0, SB2.FLAGS);
        sb.writeBigUInt64LE(kbytesWritten, SB2.KBYTES_WRITTEN);
        sb.writeUInt32LE(ctx.epoch % 2 ** 32, SB2.WTIME);
        sb[SB2.WTIME_HI] = Math.floor(ctx.epoch / 2 ** 32) & 255;
      });
      progress.update(3, 4);
      const f = parseExt4Superblock(await readSuperblock(target.imagePath, target.offset));
      const report = {
        type: "ext4",
        ...spec.label !== void 0 ? { label: spec.label } : {},
        uuid: uuid2,
        stats: {
          inodes: f.inodes,
          inodesUsed: f.inodes - f.freeInodes,
          blocks: f.blocks,
          freeBlocks: f.freeBlocks,
          blockSize: f.blockSize,
          files: content.files,
          hardlinks: content.hardlinks,
          dirs: content.dirs,
          symlinks: content.symlinks,
          journalBlocks: f.journalBlocks,
          features: f.features
        }
      };
      progress.end({ inodesUsed: report.stats.inodesUsed, freeBlocks: report.stats.freeBlocks, path: how, ...info });
      return report;
    };
    const shimReport = path14.join(work, "shim-report");
    const mke2fsShimmed = async (list, virtual2) => {
      const root = await fsp9.realpath(stage);
      const watch = ctx.watchWrites?.(target.offset, target.offset + target.size);
      const a2 = args.map((x, k) => k > 0 && args[k - 1] === "-d" ? root : x);
      const mk = run("mke2fs", a2, { ...env, ...shimEnv({ root, list, epoch: ctx.epoch, seed, report: shimReport, virtual: virtual2, image: target.imagePath }), ...watch?.env }, where2, watch);
      ctx.toolStarted?.();
      return { mk, ...watch ? { watch } : {} };
    };
    try {
      if (await populateAvailable(features)) {
        const list = listed ?? await writeTreeList(tree, work);
        progress.update(1, 4);
        await zeroRange(target.imagePath, target.offset, target.size);
        const mk = run("mke2fs", [...mkfsArgs([]), "-F", "-q", target.imagePath, `${blocks * (EXT4_BLOCK_SIZE / 1024)}k`], env, where2);
        ctx.toolStarted?.();
        await mk;
        await testHook("read-sources", (name, data) => ctx.progress.event(name, data));
        const counts = await populate(target, list, ctx, env, where2);
        if (counts.entries !== list.entries) {
          throw buildError(`${where2}: the ext4 populate helper wrote ${counts.entries} of the tree's ${list.entries} entries`);
        }
        const removal = removeTree(list.dir).catch(() => void 0);
        if (ctx.background) ctx.background(removal);
        else await removal;
        progress.update(2, 4);
        return await finish("libext2fs", { entries: counts.entries });
      }
      if (staleHelper) ctx.progress.event("warning", { message: `${where2}: ${staleHelper}` });
      checkFallbackPaths(content, where2);
      if (listed && !await virtualTreeAvailable()) {
        await removeTree(listed.dir).catch(() => void 0);
        listed = void 0;
      }
      let shimmed = false;
      let groups;
      let virtualLoaded = true;
      if (listed) {
        await fsp9.mkdir(stage);
        progress.update(1, 4);
        await zeroRange(target.imagePath, target.offset, target.size);
        await testHook("read-sources", (name, data) => ctx.progress.event(name, data));
        const { mk, watch } = await mke2fsShimmed(listed.list, true);
        let failure;
        await mk.catch((err) => {
          failure = err;
        });
        await listed.log?.check({ readable: failure !== void 0 });
        if (/No space left on device|Disk quota exceeded/i.test(String(failure?.message))) throw failure;
        virtualLoaded = await shimLoaded(shimReport) !== null;
        const v = failure === void 0 && virtualLoaded ? await shimVirtualReport(shimReport) : null;
        const wrong = v && v.total === listed.entries - 1 && v.seen === v.total ? await unfakedInode(target.imagePath, target.offset, ctx.epoch) : void 0;
        if (v && v.total === listed.entries - 1 && v.seen === v.total && wrong === void 0) shimmed = true;
        else if (wrong !== void 0) {
          virtualLoaded = false;
          ctx.progress.event("warning", { message: `${where2}: mke2fs read the host's owner or times of inode ${wrong} past the shim; staging the tree and normalising owners and times with debugfs (slower)` });
          watch?.invalidate();
        } else {
          ctx.progress.event("warning", {
            message: failure !== void 0 ? `${where2}: mke2fs failed reading the shim's virtual tree (${String(failure.message).split("\n").filter(Boolean).slice(-2).join(" / ")}); staging the tree instead (slower)` : v ? `${where2}: mke2fs read ${v.seen} of the ${listed.entries - 1} entries of the shim's virtual tree; staging the tree instead (slower)` : `${where2}: the mke2fs shim (${shimPath()}) did not load; staging the tree and normalising owners and times with debugfs (slower)`
          });
          watch?.invalidate();
        }
        const removal = removeTree(listed.dir).catch(() => void 0);
        if (ctx.background) ctx.background(removal);
        else await removal;
      }
      if (!shimmed) {
        const useShim = virtualLoaded && await shimAvailable();
        await fsp9.rm(stage, { recursive: true, force: true });
        const links = linkGroupCollector();
        const log2 = new SourceLog();
        await stageTree(tree, stage, {
          onEntry: (e) => {
            links.add(e);
            log2.add(e);
          }
        });
        groups = links.groups;
        staged = true;
        progress.update(1, 4);
        await zeroRange(target.imagePath, target.offset, target.size);
        if (useShim) {
          const list = path14.join(work, "shim-list");
          await fsp9.rm(shimReport, { force: true });
          writeShimList(tree, list, groups);
          await testHook("read-sources", (name, data) => ctx.progress.event(name, data));
          await log2.around((await mke2fsShimmed(list, false)).mk);
          shimmed = await shimLoaded(shimReport) !== null;
          if (!shimmed) {
            ctx.progress.event("warning", { message: `${where2}: the mke2fs shim (${shimPath()}) did not load; normalising owners and times with debugfs (slower)` });
          } else {
            const wrong = await unfakedInode(target.imagePath, target.offset, ctx.epoch);
            if (wrong !== void 0) {
              shimmed = false;
              ctx.progress.event("warning", { message: `${where2}: mke2fs read the host's owner or times of inode ${wrong} past the shim; normalising owners and times with debugfs (slower)` });
            }
          }
        } else {
          await testHook("read-sources", (name, data) => ctx.progress.event(name, data));
          const mk = run("mke2fs", args, env, where2);
          ctx.toolStarted?.();
          await log2.around(mk);
        }
      }
      progress.update(2, 4);
      if (!shimmed) await normaliseWithDebugfs(target.imagePath, target.offset, stage, tree, groups, ctx.epoch, env, work, where2);
      return await finish("mke2fs -d", { shim: shimmed, tree: staged ? "staged" : "virtual", mke2fs: version.join(".") });
    } finally {
      const removal = (staged ? removeStaged(stage) : fsp9.rm(stage, { recursive: true, force: true })).catch(() => void 0);
      if (ctx.background) ctx.background(removal);
      else await removal;
    }
  }
};

// src/fs/swap.ts
import { createHash as createHash3 } from "node:crypto";
import { promises as fsp10 } from "node:fs";
var SWAP_PAGE = 4096;
var SWAP_PAGE_SIZES = [4096, 16384, 65536];
var SWAP_MIN_PAGES = 10;
var SWAP_LABEL_MAX = 15;
var MAGIC2 = "SWAPSPACE2";
function defaultSwapUuid(offset, label2 = "") {
  return uuidFromHash(createHash3("sha256").update(`imgsmith swap ${offset} ${label2}`).digest());
}
function swapHeader(size, uuid2, label2, pageSize = SWAP_PAGE) {
  if (!SWAP_PAGE_SIZES.includes(pageSize)) throw usageError(`swap page size ${pageSize} is not 4096, 16384 or 65536`);
  const pages = Math.floor(size / pageSize);
  if (pages < SWAP_MIN_PAGES) {
    throw doesNotFit(`swap space of ${formatSize(size)} is too small: at least ${SWAP_MIN_PAGES} pages of ${pageSize} bytes are needed`);
  }
  if (pages - 1 > 4294967295) throw doesNotFit(`swap space of ${formatSize(size)} is too large for a swap header`);
  if (!UUID_RE.test(uuid2)) throw usageError(`swap UUID "${uuid2}" is not a UUID`);
  const page = Buffer.alloc(pageSize);
  page.writeUInt32LE(1, 1024);
  page.writeUInt32LE(pages - 1, 1028);
  page.writeUInt32LE(0, 1032);
  Buffer.from(uuid2.replaceAll("-", ""), "hex").copy(page, 1036);
  if (label2 !== void 0) {
    const l = Buffer.from(label2, "utf8");
    if (l.length > SWAP_LABEL_MAX) throw usageError(`swap label "${label2}" is longer than ${SWAP_LABEL_MAX} bytes`);
    l.copy(page, 1052);
  }
  page.write(MAGIC2, pageSize - MAGIC2.length, "latin1");
  return page;
}
var swapDriver = {
  type: "swap",
  spec: {
    properties: {
      label: schemaOf.label("at most 15 bytes"),
      uuid: schemaOf.uuid,
      pageSize: { enum: [...SWAP_PAGE_SIZES], description: "the kernel's page size (default 4096; 16384 for a 16K-page kernel such as the Raspberry Pi 5's kernel_2712.img)" }
    },
    parse(o2, where2) {
      const pageSize = o2.pageSize === void 0 ? void 0 : oneOf(o2.pageSize, `${where2}.pageSize`, SWAP_PAGE_SIZES);
      return { type: "swap", label: label(o2.label, `${where2}.label`, "swap"), uuid: uuid(o2.uuid, `${where2}.uuid`), ...pageSize ? { pageSize } : {} };
    }
  },
  tools: () => [],
  validate(spec, tree, where2) {
    if (spec.label !== void 0) {
      const n2 = Buffer.byteLength(spec.label, "utf8");
      if (n2 > SWAP_LABEL_MAX) {
        throw usageError(`${where2}: swap label "${spec.label}" is ${n2} bytes long; at most ${SWAP_LABEL_MAX} are allowed`);
      }
      if (spec.label.includes("\0")) throw usageError(`${where2}: swap label must not contain NUL characters`);
    }
    if (spec.uuid !== void 0 && !UUID_RE.test(spec.uuid)) {
      throw usageError(`${where2}: "${spec.uuid}" is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`);
    }
    const extra = tree.entries().filter(([p]) => p !== "/");
    if (extra.length > 0) {
      throw usageError(`${where2}: a swap partition has no contents (found ${extra[0][0]})`);
    }
  },
  /** mkswap's minimum: 10 pages (40 KiB with 4 KiB pages). Size "auto" gets this, rounded up by the planner. */
  async minimumSize(spec) {
    return SWAP_MIN_PAGES * (spec.pageSize ?? SWAP_PAGE);
  },
  async write(spec, _tree, target) {
    const uuid2 = (spec.uuid ?? defaultSwapUuid(target.offset, spec.label)).toLowerCase();
    const pageSize = spec.pageSize ?? SWAP_PAGE;
    const page = swapHeader(target.size, uuid2, spec.label, pageSize);
    const fh = await fsp10.open(target.imagePath, "r+");
    try {
      await fh.write(page, 0, page.length, target.offset);
    } finally {
      await fh.close();
    }
    const pages = Math.floor(target.size / pageSize);
    return {
      type: "swap",
      ...spec.label !== void 0 ? { label: spec.label } : {},
      uuid: uuid2,
      stats: { pageSize, pages, usableBytes: (pages - 1) * pageSize }
    };
  }
};

// src/fs/raw.ts
import { promises as fsp11 } from "node:fs";
import path15 from "node:path";
function blobPath(spec, ctx) {
  if (!spec.source) return void 0;
  const root = ctx.roots?.[spec.source.from];
  if (!root) throw usageError(`${ctx.partition ?? "a raw partition"}.filesystem.source: the spec reads from "${spec.source.from}", which was not given`);
  return path15.join(root, spec.source.path);
}
var rawDriver = {
  type: "raw",
  spec: {
    properties: { source: { anyOf: [schemaOf.source, { type: "null" }], description: "the blob written at the start of the partition; none: zeros" } },
    parse(o2, where2) {
      if (o2.source === void 0 || o2.source === null) return { type: "raw", source: null };
      const s = obj(o2.source, `${where2}.source`, ["from", "path"], ["from", "path"]);
      return { type: "raw", source: { from: sourceRoot(s.from, `${where2}.source.from`), path: relPath(s.path, `${where2}.source.path`) } };
    }
  },
  tools: () => [],
  sources: (spec) => spec.source ? [spec.source] : [],
  validate(_spec, tree, where2) {
    if (tree.entries().some(([p]) => p !== "/")) throw usageError(`${where2}: a raw partition has no contents; use filesystem.source for its blob`);
  },
  async minimumSize(spec, _tree, ctx) {
    const src = blobPath(spec, ctx);
    if (src === void 0) return 0;
    const st = await fsp11.stat(src).catch(() => void 0);
    if (!st?.isFile()) throw inputError(`${ctx.partition ?? "a raw partition"}.filesystem.source: ${src} is not a file`);
    return st.size;
  },
  async write(spec, _tree, target, ctx) {
    const src = blobPath(spec, ctx);
    let bytes = 0;
    if (src !== void 0) {
      const st = await fsp11.stat(src);
      if (st.size > target.size) throw usageError(`raw blob ${src} is larger than its partition`);
      bytes = (await copySparse(src, target.imagePath, target.offset)).bytesCopied;
    }
    return { type: "raw", stats: { bytes, source: spec.source ? `${spec.source.from}:${spec.source.path}` : "none" } };
  }
};

// src/fs/index.ts
var drivers = {
  vfat: vfatDriver,
  ext4: ext4Driver,
  btrfs: btrfsDriver,
  swap: swapDriver,
  raw: rawDriver
};
var FS_TYPES = Object.keys(drivers);
function driverFor(spec) {
  return drivers[spec.type];
}
async function prepareFs(spec, tree, ctx, where2) {
  const d = driverFor(spec);
  if (d.prepare) return d.prepare(spec, tree, ctx, where2);
  const minimumSize = await d.minimumSize(spec, tree, ctx);
  return { minimumSize, write: (target, wctx) => d.write(spec, tree, target, wctx) };
}

// src/content/resolve.ts
import { readdirSync as readdirSync6, realpathSync as realpathSync3 } from "node:fs";
import path20 from "node:path";

// src/content/rpi.ts
var NIXOS_CONFIG_TXT = `[pi3]
kernel=u-boot-rpi3.bin

[pi02]
kernel=u-boot-rpi3.bin

[pi4]
kernel=u-boot-rpi4.bin
enable_gic=1
armstub=armstub8-gic.bin

# Otherwise the resolution will be weird in most cases, compared to
# what the pi3 firmware does by default.
disable_overscan=1

# Supported in newer board revisions
arm_boost=1

[cm4]
# Enable host mode on the 2711 built-in XHCI USB controller.
# This line should be removed if the legacy DWC2 controller is required
# (e.g. for USB device mode) or if USB support is not required.
otg_mode=1

[all]
# Boot in 64-bit mode.
arm_64bit=1

# U-Boot needs this to work, regardless of whether UART is actually used or not.
# Look in arch/arm/mach-bcm283x/Kconfig in the U-Boot tree to see if this is still
# a requirement in the future.
enable_uart=1

# Prevent the firmware from smashing the framebuffer setup done by the mainline kernel
# when attempting to show low-voltage or overtemperature warnings.
avoid_warnings=1
`;
function rpiConfigTxt(options = {}) {
  const extra = options.extraConfig ?? "";
  if (extra === "") return NIXOS_CONFIG_TXT;
  return `${NIXOS_CONFIG_TXT}
${extra}${extra.endsWith("\n") ? "" : "\n"}`;
}

// src/content/extlinux.ts
import { lstatSync as lstatSync4, promises as fsp12, readlinkSync as readlinkSync2 } from "node:fs";
import path16 from "node:path";
var NIX_STORE = "/nix/store";
function extlinuxOptionsOf(o2) {
  return {
    ...typeof o2.timeout === "number" ? { timeout: o2.timeout } : {},
    ...Array.isArray(o2.extraKernelParams) ? { extraKernelParams: o2.extraKernelParams.map(String) } : {},
    ...typeof o2.init === "string" ? { init: o2.init } : {}
  };
}
function treeHasPath(tree, p) {
  const link = (q) => {
    const e = tree.lookup(q);
    return e === void 0 ? null : e.kind === "symlink" ? e.target : void 0;
  };
  return resolveLinks(p, link, { mustExist: true }) !== null;
}
function resolveInStore(p, toHost) {
  const link = (q) => {
    let st;
    try {
      st = lstatSync4(q);
    } catch (err) {
      const code = err.code;
      if (code === "ENOENT" || code === "ENOTDIR") return null;
      throw inputError(`cannot read ${q}: ${err.message}`);
    }
    if (!st.isSymbolicLink()) return void 0;
    const t = readlinkSync2(q);
    return path16.isAbsolute(t) ? toHost(t) : t;
  };
  return resolveLinks(path16.resolve(p), link);
}
function cleanName(logical, storeDir) {
  return (logical.startsWith(`${storeDir}/`) ? logical.slice(storeDir.length + 1) : logical).replaceAll("/", "-");
}
function extlinuxConf(e) {
  const lines = [
    "# Generated file, all changes will be lost on nixos-rebuild!",
    "",
    "# Change this to e.g. nixos-42 to temporarily boot to an older configuration.",
    "DEFAULT nixos-default",
    "",
    "MENU TITLE ------------------------------------------------------------",
    `TIMEOUT ${e.timeout}`,
    "",
    "LABEL nixos-default",
    "  MENU LABEL NixOS - Default",
    `  LINUX ${e.kernel}`,
    `  INITRD ${e.initrd}`,
    `  APPEND init=${e.init} ${e.params}`
  ];
  if (e.fdtdir !== void 0) lines.push(`  FDTDIR ${e.fdtdir}`);
  return lines.join("\n") + "\n";
}
async function addExtlinuxToTree(tree, toplevel, options = {}) {
  const target = options.target ?? "/boot";
  const timeout = options.timeout ?? 50;
  const storeDir = options.storeDir ?? NIX_STORE;
  const toHost = options.storeHost ?? ((p) => p);
  const hostRoot = toHost("/");
  const toLogical = (h2) => hostRoot !== "/" && h2.startsWith(hostRoot) ? "/" + h2.slice(hostRoot.length) : h2;
  const mapTarget = (t) => t === storeDir || t.startsWith(`${storeDir}/`) ? toHost(t) : t;
  const given = toplevel.startsWith(`${storeDir}/`) && hostRoot !== "/" ? toHost(toplevel) : toplevel;
  const top = resolveInStore(path16.resolve(given), mapTarget);
  const tst = await fsp12.stat(top).catch(() => void 0);
  if (!tst) throw inputError(`the NixOS system ${toplevel} does not exist (--toplevel)`);
  if (!tst.isDirectory()) throw inputError(`the NixOS system ${toplevel} is not a directory (--toplevel)`);
  const logicalTop = toLogical(top);
  if (options.closurePaths && !options.closurePaths.includes(logicalTop)) {
    throw inputError(
      `the NixOS system ${toplevel}${logicalTop !== toplevel ? ` (${logicalTop})` : ""} is not in the closure (--closure), so extlinux.conf's init= would point at a path missing from the image; give the closure of this system (closureInfo { rootPaths = [ toplevel ]; })`
    );
  }
  const need = async (name) => {
    const host = resolveInStore(path16.join(top, name), mapTarget);
    const st = await fsp12.stat(host).catch(() => void 0);
    if (!st?.isFile()) {
      throw inputError(`the NixOS system ${toplevel} has no ${name}: ${path16.join(top, name)}${host !== path16.join(top, name) ? ` (-> ${host})` : ""} is not a file`);
    }
    return { host, st };
  };
  const kernel = await need("kernel");
  const initrd = await need("initrd");
  if (options.init === void 0) await need("init");
  let params = "";
  const paramsFile = path16.join(top, "kernel-params");
  try {
    params = (await fsp12.readFile(resolveInStore(paramsFile, mapTarget), "utf8")).replace(/\n+$/, "");
  } catch (err) {
    if (err.code !== "ENOENT") throw inputError(`cannot read ${paramsFile}: ${err.message}`);
  }
  const bt = fromUtf8(target);
  const nixosDir = path16.posix.join(bt, "nixos");
  tree.ensureDir(nixosDir);
  tree.ensureDir(path16.posix.join(bt, "extlinux"));
  const place = (src) => {
    const name = cleanName(toLogical(src.host), storeDir);
    tree.add(path16.posix.join(nixosDir, fromUtf8(name)), {
      kind: "file",
      mode: src.st.mode & 4095,
      size: src.st.size,
      source: fromUtf8(src.host),
      ...src.st.nlink > 1 ? { linkKey: `${src.st.dev}:${src.st.ino}` } : {}
    });
    return `../nixos/${name}`;
  };
  const kernelRel = place(kernel);
  const initrdRel = place(initrd);
  let fdtdir;
  const dtbs = resolveInStore(path16.join(top, "dtbs"), mapTarget);
  const dst = await fsp12.stat(dtbs).catch(() => void 0);
  if (dst?.isDirectory()) {
    const name = cleanName(toLogical(dtbs), storeDir);
    tree.addHostDir(path16.posix.join(nixosDir, fromUtf8(name)), fromUtf8(dtbs), dst.mode & 4095);
    fdtdir = `../nixos/${name}`;
  }
  const extra = options.extraKernelParams ?? [];
  if (extra.length > 0) params = [params, ...extra].filter((x) => x !== "").join(" ");
  const init = options.init ?? `${logicalTop}/init`;
  const conf = extlinuxConf({ timeout, kernel: kernelRel, initrd: initrdRel, init, params, ...fdtdir ? { fdtdir } : {} });
  tree.add(path16.posix.join(bt, "extlinux", "extlinux.conf"), { kind: "data", mode: 420, data: Buffer.from(conf) });
}

// src/content/closure.ts
import { promises as fsp13 } from "node:fs";
import path18 from "node:path";

// src/content/nix-store.ts
import { createHash as createHash4 } from "node:crypto";
import { closeSync as closeSync3, lstatSync as lstatSync5, openSync as openSync3, readdirSync as readdirSync4, readFileSync as readFileSync5, readlinkSync as readlinkSync3, readSync as readSync2 } from "node:fs";
import path17 from "node:path";
var IMAGE_STORE_DIR = "/nix/store";
var NIX_BASE32_ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz";
function nixBase32(bytes) {
  const len = Math.ceil(bytes.length * 8 / 5);
  let s = "";
  for (let n2 = len - 1; n2 >= 0; n2--) {
    const b = n2 * 5;
    const i2 = b >> 3;
    const j = b & 7;
    const c3 = bytes[i2] >> j | (i2 + 1 < bytes.length ? bytes[i2 + 1] << 8 - j : 0);
    s += NIX_BASE32_ALPHABET[c3 & 31];
  }
  return s;
}
var B32 = `[${NIX_BASE32_ALPHABET}]`;
var STORE_BASENAME_RE = new RegExp(`^${B32}{32}-[A-Za-z0-9+\\-_?=][A-Za-z0-9+\\-._?=]*$`);
var NAR_HASH_RES = [
  new RegExp(`^sha256:${B32}{52}$`),
  /^sha256:[0-9a-f]{64}$/,
  /^sha256:[A-Za-z0-9+/]{43}=$/,
  /^sha256-[A-Za-z0-9+/]{43}=$/
];
function isStoreBasename(name) {
  return name.length <= 32 + 1 + 211 && STORE_BASENAME_RE.test(name);
}
function isNarHash(s) {
  return NAR_HASH_RES.some((re) => re.test(s));
}
var enc = (s) => typeof s === "string" ? Buffer.from(s) : s;
function narStr(s) {
  const b = enc(s);
  const pad = (8 - b.length % 8) % 8;
  const out = Buffer.alloc(8 + b.length + pad);
  out.writeBigUInt64LE(BigInt(b.length), 0);
  b.copy(out, 8);
  return out;
}
var byBytes = (a2, b) => Buffer.compare(Buffer.from(a2), Buffer.from(b));
var byCodes = (a2, b) => a2 < b ? -1 : a2 > b ? 1 : 0;
var hp = (s) => Buffer.from(s, "latin1");
async function dumpNar(p, sink) {
  sink(narStr("nix-archive-1"));
  await new Promise((r) => setImmediate(r));
  try {
    dumpNode(Buffer.from(p).toString("latin1"), sink);
  } catch (err) {
    if (err instanceof ImgsmithError) throw err;
    throw inputError(`cannot read ${p}: ${err.message}`, err);
  }
}
function dumpFile(p, st, sink) {
  const parts = [narStr("type"), narStr("regular")];
  if (st.mode & 64) parts.push(narStr("executable"), narStr(""));
  parts.push(narStr("contents"));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(st.size), 0);
  parts.push(len);
  sink(Buffer.concat(parts));
  let n2 = 0;
  if (st.size <= 1 << 20) {
    const data = readFileSync5(hp(p));
    n2 = data.length;
    sink(data);
  } else {
    const fd = openSync3(hp(p), "r");
    try {
      for (; ; ) {
        const buf = Buffer.allocUnsafe(1 << 20);
        const got = readSync2(fd, buf, 0, buf.length, null);
        if (got === 0) break;
        n2 += got;
        sink(buf.subarray(0, got));
      }
    } finally {
      closeSync3(fd);
    }
  }
  if (n2 !== st.size) throw inputError(`${showBytes(p)} changed size while it was being read`);
  const pad = (8 - n2 % 8) % 8;
  if (pad) sink(Buffer.alloc(pad));
}
function dumpNode(root, sink, rootStat) {
  const open3 = [];
  const node = (p, st) => {
    sink(narStr("("));
    if (st.isSymbolicLink()) {
      sink(Buffer.concat([narStr("type"), narStr("symlink"), narStr("target"), narStr(readlinkSync3(hp(p), { encoding: "buffer" }))]));
    } else if (st.isFile()) {
      dumpFile(p, st, sink);
    } else if (st.isDirectory()) {
      sink(Buffer.concat([narStr("type"), narStr("directory")]));
      open3.push({ p, names: readdirSync4(hp(p), { encoding: "buffer" }).map((b) => b.toString("latin1")).sort(byCodes), i: 0 });
      return;
    } else {
      throw inputError(`${showBytes(p)} is not a regular file, directory or symlink (a Nix store path cannot contain it)`);
    }
    sink(narStr(")"));
  };
  node(root, rootStat ?? lstatSync5(hp(root)));
  while (open3.length) {
    const dir = open3[open3.length - 1];
    if (dir.i === dir.names.length) {
      open3.pop();
      sink(narStr(")"));
      if (open3.length) sink(narStr(")"));
      continue;
    }
    const name = dir.names[dir.i++];
    sink(Buffer.concat([narStr("entry"), narStr("("), narStr("name"), narStr(hp(name)), narStr("node")]));
    const depth = open3.length;
    node(`${dir.p}/${name}`, lstatSync5(hp(`${dir.p}/${name}`)));
    if (open3.length === depth) sink(narStr(")"));
  }
}
var showBytes = (p) => show(p);
var RefScanner = class _RefScanner {
  constructor(hashParts) {
    this.hashParts = hashParts;
  }
  hashParts;
  found = /* @__PURE__ */ new Set();
  tail = Buffer.alloc(0);
  static isB32 = (() => {
    const t = new Uint8Array(256);
    for (const c3 of NIX_BASE32_ALPHABET) t[c3.charCodeAt(0)] = 1;
    return t;
  })();
  update(chunk) {
    if (this.hashParts.size === 0) return;
    const buf = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
    const isB32 = _RefScanner.isB32;
    const L = 32;
    let i2 = 0;
    while (i2 + L <= buf.length) {
      let j = L - 1;
      while (j >= 0 && isB32[buf[i2 + j]]) j--;
      if (j < 0) {
        const s = buf.toString("latin1", i2, i2 + L);
        if (this.hashParts.has(s)) this.found.add(s);
        i2++;
      } else {
        i2 += j + 1;
      }
    }
    this.tail = Buffer.from(buf.subarray(Math.max(0, buf.length - (L - 1))));
  }
};
async function narInfo(p, scanFor = /* @__PURE__ */ new Set()) {
  const h2 = createHash4("sha256");
  const scanner = new RefScanner(scanFor);
  let size = 0;
  await dumpNar(p, (chunk) => {
    h2.update(chunk);
    scanner.update(chunk);
    size += chunk.length;
  });
  return { narHash: `sha256:${nixBase32(h2.digest())}`, narSize: size, references: scanner.found };
}
function formatRegistration(entries, fromDir, toDir = IMAGE_STORE_DIR) {
  const map = (p) => p === "" ? "" : toDir + p.slice(fromDir.length);
  const lines = [];
  for (const e of entries) {
    lines.push(map(e.path), e.narHash, String(e.narSize), map(e.deriver), String(e.references.length), ...e.references.map(map));
  }
  return Buffer.from(lines.length ? lines.join("\n") + "\n" : "");
}
var show3 = (s) => `'${s.length > 120 ? s.slice(0, 120) + "..." : s}'`;
function parseRegistration(text, file, storeDir) {
  if (text === "") return [];
  if (!text.endsWith("\n")) {
    throw inputError(`${file}: the last line does not end with a newline (nix-store --load-db would fail with "missing input")`);
  }
  const lines = text.slice(0, -1).split("\n");
  const entries = [];
  let i2 = 0;
  const next = (what) => {
    if (i2 >= lines.length) {
      throw inputError(`${file} line ${i2 + 1}: unexpected end of file: expected ${what}`);
    }
    return lines[i2++];
  };
  const fail = (what, got) => {
    throw inputError(`${file} line ${i2}: expected ${what}, got ${show3(got)}`);
  };
  const isStorePath = (s) => path17.posix.dirname(s) === storeDir && isStoreBasename(path17.posix.basename(s));
  const inStore = `a store path in ${storeDir}`;
  while (i2 < lines.length) {
    const p = next(inStore);
    if (!isStorePath(p)) fail(inStore, p);
    const hash = next("a NAR hash (sha256:<52 nix-base32 characters>)");
    if (!isNarHash(hash)) fail("a NAR hash (sha256:<52 nix-base32 characters>)", hash);
    const sizeLine = next("a NAR size (a number)");
    if (!/^(0|[1-9][0-9]*)$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) fail("a NAR size (a number)", sizeLine);
    const deriver = next("a deriver (a store path, or an empty line)");
    if (deriver !== "" && !isStorePath(deriver)) fail(`a deriver (${inStore}, or an empty line)`, deriver);
    const countLine = next("the number of references");
    if (!/^(0|[1-9][0-9]*)$/.test(countLine) || Number(countLine) > 1e6) fail("the number of references (a number)", countLine);
    const references = [];
    for (let k = Number(countLine); k > 0; k--) {
      const r = next(`a reference (${inStore})`);
      if (!isStorePath(r)) fail(`a reference (${inStore})`, r);
      references.push(r);
    }
    entries.push({ path: p, narHash: hash, narSize: Number(sizeLine), deriver, references });
  }
  return entries;
}

// src/content/closure.ts
function storeHostPath(storeRoot) {
  if (storeRoot === void 0) return (p) => p;
  const root = storeRoot.replace(/\/+$/, "");
  return (p) => p.startsWith("/") ? root + p : p;
}
async function statOrUndefined(p) {
  try {
    return await fsp13.lstat(p);
  } catch (err) {
    if (err.code === "ENOENT" || err.code === "ENOTDIR") return void 0;
    throw inputError(`cannot read ${p}: ${err.message}`);
  }
}
async function readText(file) {
  try {
    return await readRegularText(file);
  } catch (err) {
    if (err instanceof NotRegularFileError) throw inputError(`${file} is ${err.kind}: a closure's store-paths and registration must be regular files`);
    const code = err.code;
    if (code === "ENOENT") throw inputError(`${file} does not exist (a closureInfo directory has store-paths and registration)`);
    throw inputError(`cannot read ${file}: ${err.message}`);
  }
}
function parseStorePathList(text, file) {
  const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
  if (text === "") return { storeDir: IMAGE_STORE_DIR, paths: [] };
  let storeDir;
  const seen = /* @__PURE__ */ new Set();
  const paths = [];
  lines.forEach((line, k) => {
    const where2 = `${file} line ${k + 1}`;
    if (!line.startsWith("/")) throw inputError(`${where2}: expected an absolute store path, got ${show3(line)}`);
    const p = path18.posix.normalize(line);
    const base = path18.posix.basename(p);
    if (p !== line || !isStoreBasename(base)) {
      throw inputError(`${where2}: ${show3(line)} is not a store path (<store dir>/<32-character hash>-<name>)`);
    }
    const dir = path18.posix.dirname(p);
    storeDir ??= dir;
    if (dir !== storeDir) {
      throw inputError(`${where2}: ${line} is not in the same store directory as the first path (${storeDir})`);
    }
    if (seen.has(p)) throw inputError(`${where2}: ${line} is listed twice`);
    seen.add(p);
    paths.push(p);
  });
  return { storeDir: storeDir ?? IMAGE_STORE_DIR, paths };
}
async function checkPathsExist(paths, listFile, host = (p) => p) {
  const missing = [];
  for (const p of paths) if (!await statOrUndefined(host(p))) missing.push(p);
  if (missing.length) {
    const where2 = host(missing[0]) === missing[0] ? "" : ` (looked for ${host(missing[0])}: is --store-root right?)`;
    throw inputError(
      `${missing.length} of the ${paths.length} store paths listed in ${listFile} ${missing.length === 1 ? "does" : "do"} not exist, the first is ${missing[0]}${where2}`
    );
  }
}
async function readClosureInfo(dir, opts2 = {}) {
  const host = storeHostPath(opts2.storeRoot);
  const st = await statOrUndefined(dir);
  if (!st) throw inputError(`the closure ${dir} does not exist (expected a closureInfo directory or a file listing store paths)`);
  const real = await fsp13.stat(dir).catch(() => void 0);
  if (real?.isFile()) {
    const { paths: paths2 } = parseStorePathList(await readText(dir), dir);
    await checkPathsExist(paths2, dir, host);
    return closureFromStorePaths(paths2, opts2);
  }
  if (!real?.isDirectory()) throw inputError(`the closure ${dir} is neither a directory nor a file`);
  const spFile = path18.join(dir, "store-paths");
  const regFile = path18.join(dir, "registration");
  const { storeDir, paths } = parseStorePathList(await readText(spFile), spFile);
  const entries = parseRegistration(await readText(regFile), regFile, storeDir);
  const listed = new Set(paths);
  const registered = /* @__PURE__ */ new Set();
  for (const e of entries) {
    if (registered.has(e.path)) throw inputError(`${regFile}: ${e.path} is registered twice`);
    registered.add(e.path);
    if (!listed.has(e.path)) throw inputError(`${regFile}: ${e.path} is registered but not listed in ${spFile}`);
  }
  for (const p of paths) {
    if (!registered.has(p)) throw inputError(`${regFile}: ${p} (listed in ${spFile}) has no registration`);
  }
  for (const e of entries) {
    for (const r of e.references) {
      if (!listed.has(r)) throw inputError(`${regFile}: ${e.path} references ${r}, which is not in the closure (${spFile})`);
    }
  }
  await checkPathsExist(paths, spFile, host);
  const registration = await fsp13.readFile(regFile);
  return {
    storeDir,
    storePaths: paths,
    registration,
    registrationEntries: entries,
    hostPath: host,
    ...opts2.storeRoot !== void 0 ? { storeRoot: opts2.storeRoot } : {}
  };
}
async function closureFromStorePaths(paths, opts2 = {}) {
  const host = storeHostPath(opts2.storeRoot);
  const { storeDir, paths: checked } = parseStorePathList(paths.length ? paths.join("\n") + "\n" : "", "the store path list");
  await checkPathsExist(checked, "the store path list", host);
  const byHash = /* @__PURE__ */ new Map();
  for (const p of checked) byHash.set(path18.posix.basename(p).slice(0, 32), p);
  const hashes = new Set(byHash.keys());
  const sorted = [...checked].sort(byBytes);
  const entries = new Array(sorted.length);
  let next = 0;
  const worker2 = async () => {
    while (next < sorted.length) {
      const k = next++;
      const p = sorted[k];
      const info = await narInfo(host(p), hashes);
      const references = [...info.references].map((h2) => byHash.get(h2)).sort(byBytes);
      entries[k] = { path: p, narHash: info.narHash, narSize: info.narSize, deriver: "", references };
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, sorted.length) }, worker2));
  return {
    storeDir,
    storePaths: checked,
    registration: formatRegistration(entries, storeDir, storeDir),
    registrationEntries: entries,
    hostPath: host,
    ...opts2.storeRoot !== void 0 ? { storeRoot: opts2.storeRoot } : {}
  };
}
function addClosureToTree(tree, info) {
  tree.ensureDir(info.storeDir);
  let n2 = 0;
  for (const p of info.storePaths) {
    const host = Buffer.from(info.hostPath(p)).toString("latin1");
    if (!statHost(host)) throw inputError(`the store path ${p} disappeared while the closure was being read`);
    tree.addHost(p, host);
    n2++;
  }
  tree.add("/nix-path-registration", { kind: "data", mode: 420, data: info.registration });
  return { paths: n2 };
}

// src/content/rpi-direct.ts
import { readdirSync as readdirSync5, readFileSync as readFileSync6 } from "node:fs";
import path19 from "node:path";

// src/ptable/guid.ts
import { createHash as createHash5 } from "node:crypto";
function isGuid(s) {
  return UUID_RE.test(s);
}
function canonicalGuid(s) {
  return s.toUpperCase();
}
function guidToBytes(guid) {
  const hex = guid.replace(/-/g, "");
  const be = Buffer.from(hex, "hex");
  const out = Buffer.alloc(16);
  out[0] = be[3];
  out[1] = be[2];
  out[2] = be[1];
  out[3] = be[0];
  out[4] = be[5];
  out[5] = be[4];
  out[6] = be[7];
  out[7] = be[6];
  be.copy(out, 8, 8, 16);
  return out;
}
function deriveGuid(purpose, parts) {
  const h2 = createHash5("sha256");
  h2.update(`imgsmith:gpt:${purpose}:v1`, "utf8");
  for (const p of parts) {
    h2.update(Buffer.from([0]));
    h2.update(p, "utf8");
  }
  return uuidFromHash(h2.digest()).toUpperCase();
}

// src/content/rpi-direct.ts
var PI_BOARDS = ["pi3", "pi4", "pi5"];
var PI_BOARD_NAMES = { pi3: "Raspberry Pi 3", pi4: "Raspberry Pi 4", pi5: "Raspberry Pi 5" };
var PI_BOARD_DTB = {
  pi3: { downstream: "bcm2710-rpi-3-b.dtb", upstream: "bcm2837-rpi-3-b.dtb" },
  pi4: { downstream: "bcm2711-rpi-4-b.dtb", upstream: "bcm2711-rpi-4-b.dtb" },
  pi5: { downstream: "bcm2712-rpi-5-b.dtb", upstream: "bcm2712-rpi-5-b.dtb" }
};
var PI_FIRMWARE = {
  pi3: { required: ["bootcode.bin", "start.elf", "fixup.dat"], optional: /^(start_(cd|x|db)\.elf|fixup_(cd|x|db)\.dat)$/ },
  pi4: { required: ["start4.elf", "fixup4.dat"], optional: /^(start4(cd|x|db)\.elf|fixup4(cd|x|db)\.dat)$/ },
  pi5: { required: [], optional: /^$/ }
};
var PI_DTB_RE = /^bcm(27\d\d|283\d)[-_].*\.dtb$/;
var configLines = (what) => ({ type: "string", description: `config.txt lines ${what} (no "[...]" section headers)` });
var RPI_DIRECT_OPTIONS = {
  boards: { type: "array", items: { enum: [...PI_BOARDS] }, minItems: 1, uniqueItems: true, description: "the boards the card targets (default all: pi3, pi4, pi5)" },
  kernel2712: { type: "string", minLength: 1, description: "a 16 KiB-page kernel for the Pi 5 (kernel_2712.img), relative to the toplevel or a store path" },
  initrd2712: { type: "string", minLength: 1, description: "its initrd (initramfs_2712; default initramfs8)" },
  extraConfig: configLines("appended to the [all] section"),
  boardConfig: {
    type: "object",
    properties: Object.fromEntries(PI_BOARDS.map((b) => [b, configLines(`for the [${b}] section, e.g. "dtoverlay=..."`)])),
    additionalProperties: false
  },
  extraKernelParams: { type: "array", items: { type: "string", minLength: 1 }, description: "appended to cmdline.txt after the toplevel's kernel-params" },
  init: { type: "string", pattern: "^/\\S*$", description: "default <toplevel>/init" },
  rootPartition: { type: "string", minLength: 1, description: "the partition cmdline.txt names as root=PARTUUID= (default: the one with the closure)" },
  overlays: { type: "boolean", description: "copy overlays/ (default true)" }
};
var OPTION_KEYS = Object.keys(RPI_DIRECT_OPTIONS);
var PARAM_RE = /^[^\0-\x20\x7f]+$/;
function rpiDirectOptions(o2, where2) {
  for (const k of Object.keys(o2)) {
    if (!OPTION_KEYS.includes(k)) throw usageError(`${where2}: unknown key "${k}"; expected one of: ${OPTION_KEYS.join(", ")}`);
  }
  let boards = [...PI_BOARDS];
  if (o2.boards !== void 0) {
    if (!Array.isArray(o2.boards) || o2.boards.length === 0) throw usageError(`${where2}.boards: expected a non-empty array of ${PI_BOARDS.map((b) => `"${b}"`).join(", ")}, got ${describe(o2.boards)}`);
    boards = o2.boards.map((b, i2) => {
      if (!PI_BOARDS.includes(b)) throw usageError(`${where2}.boards[${i2}]: expected one of ${PI_BOARDS.map((x) => `"${x}"`).join(", ")}, got ${describe(b)}`);
      return b;
    });
    if (new Set(boards).size !== boards.length) throw usageError(`${where2}.boards: a board is listed twice`);
    boards = PI_BOARDS.filter((b) => boards.includes(b));
  }
  const pathOpt = (k) => {
    const v = o2[k];
    if (v === void 0) return void 0;
    if (typeof v !== "string" || v === "" || v.split("/").includes("..")) {
      throw usageError(`${where2}.${k}: expected a path relative to the toplevel or a store path (no ".."), got ${describe(v)}`);
    }
    return v;
  };
  const kernel2712 = pathOpt("kernel2712");
  const initrd2712 = pathOpt("initrd2712");
  if (initrd2712 !== void 0 && kernel2712 === void 0) throw usageError(`${where2}.initrd2712: only with "kernel2712" (the Pi 5 otherwise boots kernel8.img with initramfs8)`);
  if (kernel2712 !== void 0 && !boards.includes("pi5")) throw usageError(`${where2}.kernel2712: the Pi 5 is not among options.boards`);
  const text = (v, w) => {
    if (typeof v !== "string") throw usageError(`${w}: expected a string of config.txt lines, got ${describe(v)}`);
    if (/[\0-\x08\x0b-\x1f\x7f]/.test(v.replaceAll("\r\n", "\n"))) throw usageError(`${w}: config.txt lines must not contain control characters`);
    if (/^\s*\[/m.test(v)) throw usageError(`${w}: must not open a section ("[...]"); use boardConfig for [pi3]/[pi4]/[pi5] lines`);
    return v;
  };
  const boardConfig = {};
  if (o2.boardConfig !== void 0) {
    if (typeof o2.boardConfig !== "object" || o2.boardConfig === null || Array.isArray(o2.boardConfig)) throw usageError(`${where2}.boardConfig: expected an object such as { "pi4": "dtoverlay=..." }, got ${describe(o2.boardConfig)}`);
    for (const [k, v] of Object.entries(o2.boardConfig)) {
      if (!PI_BOARDS.includes(k)) throw usageError(`${where2}.boardConfig: unknown board "${k}"; expected one of: ${PI_BOARDS.join(", ")}`);
      if (!boards.includes(k)) throw usageError(`${where2}.boardConfig.${k}: the board is not among options.boards`);
      boardConfig[k] = text(v, `${where2}.boardConfig.${k}`);
    }
  }
  const extraKernelParams = [];
  if (o2.extraKernelParams !== void 0) {
    if (!Array.isArray(o2.extraKernelParams)) throw usageError(`${where2}.extraKernelParams: expected an array of strings, got ${describe(o2.extraKernelParams)}`);
    o2.extraKernelParams.forEach((p, i2) => {
      if (typeof p !== "string" || !PARAM_RE.test(p)) throw usageError(`${where2}.extraKernelParams[${i2}]: expected one kernel parameter without spaces or control characters, got ${describe(p)}`);
      extraKernelParams.push(p);
    });
  }
  if (o2.init !== void 0 && (typeof o2.init !== "string" || !/^\/\S*$/.test(o2.init) || o2.init.split("/").includes(".."))) {
    throw usageError(`${where2}.init: expected an absolute path without spaces or "..", got ${describe(o2.init)}`);
  }
  if (o2.rootPartition !== void 0 && (typeof o2.rootPartition !== "string" || o2.rootPartition === "")) throw usageError(`${where2}.rootPartition: expected a partition name, got ${describe(o2.rootPartition)}`);
  if (o2.overlays !== void 0 && typeof o2.overlays !== "boolean") throw usageError(`${where2}.overlays: expected true or false, got ${describe(o2.overlays)}`);
  return {
    boards,
    ...kernel2712 !== void 0 ? { kernel2712 } : {},
    ...initrd2712 !== void 0 ? { initrd2712 } : {},
    ...o2.extraConfig !== void 0 ? { extraConfig: text(o2.extraConfig, `${where2}.extraConfig`) } : {},
    boardConfig,
    extraKernelParams,
    ...typeof o2.init === "string" ? { init: o2.init } : {},
    ...typeof o2.rootPartition === "string" ? { rootPartition: o2.rootPartition } : {},
    overlays: o2.overlays !== false
  };
}
function partUuidOf(disk, index) {
  const p = disk.partitions[index];
  if (disk.table.type === "dos") return `${disk.table.labelId.toString(16).padStart(8, "0")}-${(index + 1).toString(16).padStart(2, "0")}`;
  return (p.guid ?? deriveGuid("partition-guid", [disk.table.seed, p.name])).toLowerCase();
}
function rootPartition(disk, name, where2) {
  if (name !== void 0) {
    const i3 = disk.partitions.findIndex((p) => p.name === name);
    if (i3 < 0) throw usageError(`${where2}.options.rootPartition: no partition is named "${name}" (partitions: ${disk.partitions.map((p) => p.name).join(", ")})`);
    return i3;
  }
  const i2 = disk.partitions.findIndex((p) => p.contents.some((c3) => c3.kind === "generate" && c3.generator === "closure"));
  if (i2 < 0) throw usageError(`${where2}: rpi-direct needs the root partition for cmdline.txt's root=PARTUUID=; no partition holds { "generate": "closure" }: name it in options.rootPartition`);
  return i2;
}
function rpiDirectConfigTxt(c3) {
  const block = (s) => s === void 0 || s === "" ? [] : s.replace(/\r\n/g, "\n").replace(/\n+$/, "").split("\n");
  const lines = ["# Generated by imgsmith (rpi-direct): the Raspberry Pi firmware boots Linux directly, without U-Boot.", "# Each [piN] section names the kernel and initramfs of that board; [all] applies to every board.", ""];
  for (const b of c3.boards) {
    lines.push(`[${b}]`, `kernel=${c3.kernel[b]}`, `initramfs ${c3.initramfs[b]} followkernel`, ...block(c3.boardConfig[b]), "");
  }
  lines.push("[all]", "arm_64bit=1", "# The serial console (ttyS0 / ttyAMA0 on the GPIO header).", "enable_uart=1", "avoid_warnings=1");
  if (c3.upstreamKernel) lines.push("# The device trees have mainline names (bcm2837-rpi-3-b.dtb ...): let the firmware prefer them.", "upstream_kernel=1");
  const extra = block(c3.extraConfig);
  if (extra.length) lines.push("", ...extra);
  return lines.join("\n") + "\n";
}
async function addRpiDirectToTree(tree, opts2, inp, where2) {
  const part = inp.disk.partitions[inp.partition];
  if (part.filesystem.type !== "vfat") {
    throw usageError(`${where2}: the Raspberry Pi firmware reads its boot files from a FAT partition; partition "${part.name}" is ${part.filesystem.type}`);
  }
  const rootIdx = rootPartition(inp.disk, opts2.rootPartition, where2);
  const root = inp.disk.partitions[rootIdx];
  if (root.filesystem.type !== "ext4" && root.filesystem.type !== "btrfs") {
    throw usageError(`${where2}: the root partition "${root.name}" is ${root.filesystem.type}; rpi-direct boots an ext4 or btrfs root`);
  }
  if (inp.disk.table.type === "dos" && inp.disk.table.labelId === 0) {
    throw usageError(`${where2}: root=PARTUUID= needs a disk id: set spec.table.labelId (e.g. "0x2178694e"); 0 means "none"`);
  }
  const { storeDir, storeHost: toHost } = inp;
  const hostRoot = toHost("/");
  const toLogical = (h2) => hostRoot !== "/" && h2.startsWith(hostRoot) ? "/" + h2.slice(hostRoot.length) : h2;
  const mapTarget = (t) => t === storeDir || t.startsWith(`${storeDir}/`) ? toHost(t) : t;
  const given = inp.toplevel.startsWith(`${storeDir}/`) && hostRoot !== "/" ? toHost(inp.toplevel) : inp.toplevel;
  const top = resolveInStore(path19.resolve(given), mapTarget);
  const tst = statHost(fromUtf8(top), true);
  if (!tst?.isDirectory()) throw inputError(`the NixOS system ${inp.toplevel} is not a directory (--toplevel)`);
  const logicalTop = toLogical(top);
  if (inp.closurePaths && !inp.closurePaths.includes(logicalTop)) {
    throw inputError(`the NixOS system ${inp.toplevel} (${logicalTop}) is not in the closure (--closure), so cmdline.txt's init= would point at a path missing from the image; give the closure of this system`);
  }
  const file = (name, what) => {
    const named = path19.isAbsolute(name) ? name.startsWith(`${storeDir}/`) ? toHost(name) : name : path19.join(top, name);
    const host = resolveInStore(named, mapTarget);
    const st = statHost(fromUtf8(host), true);
    if (!st?.isFile()) {
      throw inputError(`${where2}: ${what} ${named}${host !== named ? ` (-> ${host})` : ""} is missing (not a file)`);
    }
    return { host, st };
  };
  const kernel = file("kernel", `the NixOS system ${inp.toplevel} has no kernel:`);
  const initrd = file("initrd", `the NixOS system ${inp.toplevel} has no initrd:`);
  if (opts2.init === void 0) file("init", `the NixOS system ${inp.toplevel} has no init:`);
  const kernel2712 = opts2.kernel2712 !== void 0 ? file(opts2.kernel2712, "options.kernel2712: the Pi 5 kernel") : void 0;
  const initrd2712 = opts2.initrd2712 !== void 0 ? file(opts2.initrd2712, "options.initrd2712: the Pi 5 initrd") : void 0;
  const fwNames = /* @__PURE__ */ new Set();
  const needFw = opts2.boards.filter((b) => PI_FIRMWARE[b].required.length > 0);
  if (needFw.length > 0) {
    if (!inp.firmware) {
      throw usageError(`${where2}: the ${needFw.map((b) => PI_BOARD_NAMES[b]).join(" and ")} firmware (${needFw.flatMap((b) => PI_FIRMWARE[b].required).join(", ")}) comes from --firmware DIR; give it, or target only the Pi 5 (options.boards)`);
    }
    const present = readdirSync5(inp.firmware).sort();
    for (const b of needFw) {
      for (const f of PI_FIRMWARE[b].required) {
        if (!statHost(fromUtf8(path19.join(inp.firmware, f)), true)?.isFile()) {
          throw inputError(`${where2}: the firmware directory ${inp.firmware} has no ${f}, which the ${PI_BOARD_NAMES[b]} firmware needs (options.boards targets "${b}")`);
        }
        fwNames.add(f);
      }
      for (const f of present) if (PI_FIRMWARE[b].optional.test(f) && statHost(fromUtf8(path19.join(inp.firmware, f)), true)?.isFile()) fwNames.add(f);
    }
  }
  const dtbs = /* @__PURE__ */ new Map();
  let overlays;
  const dtbDir = resolveInStore(path19.join(top, "dtbs"), mapTarget);
  if (statHost(fromUtf8(dtbDir), true)?.isDirectory()) {
    const walk = (dir, rel) => {
      for (const name of readdirSync5(dir).sort()) {
        const host = path19.join(dir, name);
        const st = statHost(fromUtf8(host), true);
        if (!st) continue;
        if (st.isDirectory()) {
          if (rel === "" && name === "overlays") overlays = host;
          else walk(host, rel ? `${rel}/${name}` : name);
        } else if (st.isFile() && PI_DTB_RE.test(name)) {
          const prev = dtbs.get(name);
          if (prev) throw inputError(`${where2}: the toplevel's dtbs hold ${name} twice (${prev.host} and ${host}); the firmware reads one ${name} from the FAT root`);
          dtbs.set(name, { host, st });
        }
      }
    };
    walk(dtbDir, "");
  }
  if (!overlays && inp.firmware && statHost(fromUtf8(path19.join(inp.firmware, "overlays")), true)?.isDirectory()) overlays = path19.join(inp.firmware, "overlays");
  const upstreamKernel = ![...dtbs.keys()].some((n2) => n2.startsWith("bcm2710-")) && [...dtbs.keys()].some((n2) => n2.startsWith("bcm2837-"));
  for (const b of opts2.boards) {
    const d = PI_BOARD_DTB[b];
    const want = upstreamKernel ? [d.upstream, d.downstream] : [d.downstream];
    if (want.some((n2) => dtbs.has(n2))) continue;
    const msg = `${where2}: the toplevel's dtbs have no ${[...new Set(want)].join(" or ")}, which the ${PI_BOARD_NAMES[b]} firmware loads: this card will not boot a ${PI_BOARD_NAMES[b]} (options.boards targets "${b}"${opts2.boards.length > 1 ? "; the other boards are not affected" : ""})`;
    if (inp.strict) throw inputError(`${msg}; --strict makes this an error`);
    inp.warn(`warning: ${msg}`);
  }
  const place = (name, src) => {
    tree.add(fromUtf8(`/${name}`), { kind: "file", mode: src.st.mode & 4095, size: src.st.size, source: fromUtf8(src.host) });
  };
  place("kernel8.img", kernel);
  place("initramfs8", initrd);
  if (kernel2712) place("kernel_2712.img", kernel2712);
  if (initrd2712) place("initramfs_2712", initrd2712);
  for (const [name, f] of dtbs) place(name, f);
  for (const f of fwNames) {
    const host = path19.join(inp.firmware, f);
    place(f, { host, st: statHost(fromUtf8(host), true) });
  }
  if (overlays && opts2.overlays) tree.addHost(fromUtf8("/overlays"), fromUtf8(overlays), true);
  const kernelOf = (b) => b === "pi5" && kernel2712 ? "kernel_2712.img" : "kernel8.img";
  const initrdOf = (b) => b === "pi5" && initrd2712 ? "initramfs_2712" : "initramfs8";
  const config = rpiDirectConfigTxt({
    boards: opts2.boards,
    kernel: { pi3: kernelOf("pi3"), pi4: kernelOf("pi4"), pi5: kernelOf("pi5") },
    initramfs: { pi3: initrdOf("pi3"), pi4: initrdOf("pi4"), pi5: initrdOf("pi5") },
    upstreamKernel,
    boardConfig: opts2.boardConfig,
    ...opts2.extraConfig !== void 0 ? { extraConfig: opts2.extraConfig } : {}
  });
  tree.add("/config.txt", { kind: "data", mode: 420, data: Buffer.from(config) });
  let params = "";
  const pf = resolveInStore(path19.join(top, "kernel-params"), mapTarget);
  const pst = statHost(fromUtf8(pf), true);
  if (pst?.isFile()) {
    params = readFileSync6(pf, "utf8").replace(/\s+/g, " ").trim();
  }
  const init = opts2.init ?? `${logicalTop}/init`;
  const cmdline = [`init=${init}`, `root=PARTUUID=${partUuidOf(inp.disk, rootIdx)}`, `rootfstype=${root.filesystem.type}`, "rootwait", params, ...opts2.extraKernelParams].filter((x) => x !== "").join(" ");
  tree.add("/cmdline.txt", { kind: "data", mode: 420, data: Buffer.from(cmdline + "\n") });
}

// src/content/resolve.ts
var ROOT_OPTION = { firmware: "--firmware", toplevel: "--toplevel", spec: "the spec file" };
function rootOf(inputs, from, where2) {
  const dir = inputs.roots[from];
  if (!dir) throw usageError(`${where2}: the spec copies from "${from}" but no ${ROOT_OPTION[from]} was given`);
  return dir;
}
var isGlob = (s) => /[*?[]/.test(s);
function globRegExp(glob) {
  let re = "";
  for (let i2 = 0; i2 < glob.length; i2++) {
    const c3 = glob[i2];
    if (c3 === "*") re += "[^/]*";
    else if (c3 === "?") re += "[^/]";
    else if (c3 === "[") {
      const close = glob.indexOf("]", i2 + 1);
      if (close < 0) re += "\\[";
      else {
        let cls = glob.slice(i2 + 1, close);
        if (cls.startsWith("!")) cls = "^" + cls.slice(1);
        re += `[${cls.replace(/\\/g, "\\\\")}]`;
        i2 = close;
      }
    } else re += c3.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
function resolveStoreLinks(host, map) {
  if (!map) return host;
  const link = (q) => {
    const st = statHost(q);
    if (!st) return null;
    return st.isSymbolicLink() ? map(readHostLink(q)) : void 0;
  };
  return resolveLinks(host, link);
}
async function storeLinkMap(inputs) {
  if (!inputs.storeHost || inputs.storeHost("/x") === "/x") return void 0;
  const storeDir = inputs.closure ? (await inputs.closure()).storeDir : "/nix/store";
  const root = fromUtf8(inputs.storeHost("/")).replace(/\/+$/, "");
  const dir = fromUtf8(storeDir);
  return (t) => t === dir || t.startsWith(`${dir}/`) ? root + t : t;
}
function addHost(tree, hostIn, target, follow, map) {
  const host = follow ? resolveStoreLinks(hostIn, map) : hostIn;
  if (!statHost(host)) throw inputError(`${show(host)} does not exist`);
  tree.addHost(target, host, follow);
}
function addCopy(tree, item, inputs, where2, opts2, map) {
  const root = fromUtf8(rootOf(inputs, item.from, where2));
  const follow = item.dereference ?? opts2.noSymlinks === true;
  const rel = fromUtf8(item.path);
  const dir = path20.posix.dirname(rel);
  const base = path20.posix.basename(rel);
  const target = fromUtf8(item.target);
  if (isGlob(dir)) throw usageError(`${where2}.path: only the last path component may contain * ? [ (got "${item.path}")`);
  if (isGlob(base)) {
    const hostDir = path20.posix.join(root, dir);
    let names;
    try {
      names = readdirSync6(Buffer.from(hostDir, "latin1"), { encoding: "buffer" }).map((b) => b.toString("latin1"));
    } catch {
      names = [];
    }
    const re = globRegExp(base);
    const matches = names.filter((n2) => re.test(n2)).sort();
    if (matches.length === 0) {
      if (item.optional) return;
      throw inputError(`${where2}: nothing in ${show(hostDir)} matches "${item.path.split("/").pop()}" (from ${item.from})`);
    }
    for (const m of matches) addHost(tree, path20.posix.join(hostDir, m), path20.posix.join(target, m), follow, map);
    return;
  }
  const named = path20.posix.join(root, rel);
  const host = follow ? resolveStoreLinks(named, map) : named;
  const lst = statHost(host);
  if (!lst) {
    if (item.optional) return;
    throw inputError(`${where2}: ${show(named)}${host !== named ? ` (-> ${show(host)})` : ""} does not exist (from ${item.from})`);
  }
  const isDir = lst.isDirectory() || lst.isSymbolicLink() && follow && statHost(host, true)?.isDirectory() === true;
  if (isDir) {
    addHost(tree, host, target, follow);
    return;
  }
  const t = target.endsWith("/") ? path20.posix.join(target, base) : target;
  addHost(tree, host, t, follow);
}
function addProfile(tree, item, inputs, where2, map) {
  const p = item.options.path;
  let host;
  if (p.startsWith("/")) {
    host = fromUtf8(inputs.storeHost ? inputs.storeHost(p) : p);
  } else {
    const top = rootOf(inputs, "toplevel", `${where2}.options.path`);
    if (path20.posix.normalize(p).split("/").includes("..")) throw usageError(`${where2}.options.path: "${p}" must stay inside the toplevel`);
    host = fromUtf8(path20.posix.join(top, p));
  }
  const named = host;
  host = resolveStoreLinks(host, map);
  const shown = `${show(named)}${host !== named ? ` (-> ${show(host)})` : ""}`;
  const st = statHost(host, true);
  if (!st) throw inputError(`${where2}: the profile ${shown} does not exist`);
  if (!st.isDirectory()) throw inputError(`${where2}: the profile ${shown} is not a directory (a profile is a buildEnv or toplevel/sw)`);
  const real = realHost(host);
  const target = fromUtf8(item.target);
  for (const name of readdirSync6(Buffer.from(real, "latin1"), { encoding: "buffer" }).map((b) => b.toString("latin1")).sort()) {
    addHost(tree, path20.posix.join(real, name), path20.posix.join(target, name), false);
  }
}
function realHost(host) {
  return realpathSync3(Buffer.from(host, "latin1"), { encoding: "buffer" }).toString("latin1");
}
function checkExtlinuxOptions(o2, where2) {
  if (o2.timeout !== void 0 && (typeof o2.timeout !== "number" || !Number.isInteger(o2.timeout) || o2.timeout < 0)) {
    throw usageError(`${where2}.timeout: expected a whole number of deciseconds >= 0, got ${describe(o2.timeout)}`);
  }
  if (o2.extraKernelParams !== void 0) {
    arr(o2.extraKernelParams, `${where2}.extraKernelParams`).forEach(
      (p, i2) => (
        // eslint-disable-next-line no-control-regex
        str(p, `${where2}.extraKernelParams[${i2}]`, { pattern: /^[^\0-\x1f\x7f]+$/, what: "a kernel parameter without control characters or newlines" })
      )
    );
  }
  if (o2.init !== void 0) {
    str(o2.init, `${where2}.init`, { pattern: /^\/[^\s]*$/, what: 'an absolute path without spaces, e.g. "/nix/store/...-nixos-system-.../init"' });
    if (o2.init.split("/").includes("..")) throw usageError(`${where2}.init: "${o2.init}" must not contain ".."`);
  }
}
var generators = {
  "rpi-config.txt": {
    options: { extraConfig: { type: "string", description: "appended to the config.txt NixOS writes" } },
    target: { default: "/config.txt", description: "the file" },
    async add(tree, item, { where: where2 }) {
      const extra = item.options.extraConfig;
      if (extra !== void 0 && typeof extra !== "string") throw usageError(`${where2}.options.extraConfig: expected a string`);
      tree.add(fromUtf8(item.target), { kind: "data", mode: 420, data: Buffer.from(rpiConfigTxt({ extraConfig: extra })) });
    }
  },
  extlinux: {
    options: {
      timeout: { type: "integer", minimum: 0, description: "deciseconds (default 50)" },
      extraKernelParams: { type: "array", items: { type: "string", minLength: 1 }, description: "appended after the toplevel's kernel-params" },
      init: { type: "string", pattern: "^/\\S*$", description: "default <toplevel>/init" }
    },
    target: { default: "/boot", description: "the boot directory (kernels in nixos/, extlinux/extlinux.conf)" },
    reads: ["toplevel"],
    check: checkExtlinuxOptions,
    async add(tree, item, { inputs, where: where2 }) {
      const timeout = item.options.timeout;
      if (timeout !== void 0 && (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < 0)) {
        throw usageError(`${where2}.options.timeout: expected a whole number of deciseconds`);
      }
      const toplevel = rootOf(inputs, "toplevel", where2);
      const closure = inputs.closure ? await inputs.closure() : void 0;
      await addExtlinuxToTree(tree, toplevel, {
        ...extlinuxOptionsOf(item.options),
        target: item.target,
        ...closure ? { storeDir: closure.storeDir, storeHost: closure.hostPath, closurePaths: closure.storePaths } : inputs.storeHost ? { storeHost: inputs.storeHost } : {}
      });
    }
  },
  closure: {
    options: {},
    target: { default: "/", description: "unused: the closure goes to its store directory and /nix-path-registration" },
    fixedTarget: 'the closure always goes to its store directory (e.g. /nix/store) and /nix-path-registration; remove "target"',
    async add(tree, _item, { inputs, where: where2 }) {
      if (!inputs.closure) throw usageError(`${where2}: the spec includes a Nix closure but no --closure was given`);
      addClosureToTree(tree, await inputs.closure());
    }
  },
  profile: {
    options: { path: { type: "string", minLength: 1, description: 'a store path, or a path relative to the toplevel such as "sw"' } },
    target: { default: "/", description: "where the top-level entries of the profile go" },
    followsStoreLinks: true,
    check(o2, where2) {
      if (o2.path === void 0) throw usageError(`${where2}.path: a profile needs "path": a store path (e.g. "/nix/store/...-env") or a path relative to the toplevel (e.g. "sw")`);
      str(o2.path, `${where2}.path`);
    },
    async add(tree, item, { inputs, where: where2, map }) {
      addProfile(tree, item, inputs, where2, map);
    }
  },
  "rpi-direct": {
    options: RPI_DIRECT_OPTIONS,
    target: { default: "/", description: "unused: the files go to the root of the FAT partition" },
    fixedTarget: 'the Raspberry Pi firmware reads config.txt, cmdline.txt and the kernel from the root of the FAT partition; remove "target"',
    reads: ["toplevel"],
    check(o2, where2) {
      rpiDirectOptions(o2, where2);
    },
    async add(tree, item, { inputs, where: where2, partition: partition2 }) {
      const toplevel = rootOf(inputs, "toplevel", where2);
      if (!inputs.disk || partition2 === void 0) throw usageError(`${where2}: rpi-direct needs the image's partition table`);
      const closure = inputs.closure ? await inputs.closure() : void 0;
      await addRpiDirectToTree(tree, rpiDirectOptions(item.options, `${where2}.options`), {
        toplevel,
        ...inputs.roots.firmware ? { firmware: inputs.roots.firmware } : {},
        storeDir: closure?.storeDir ?? "/nix/store",
        storeHost: closure?.hostPath ?? inputs.storeHost ?? ((p) => p),
        ...closure ? { closurePaths: closure.storePaths } : {},
        disk: inputs.disk,
        partition: partition2,
        warn: inputs.warn ?? (() => {
        }),
        strict: inputs.strict === true
      }, where2);
    }
  }
};
var GENERATORS = Object.keys(generators);
async function resolveContents(items, inputs, where2, opts2 = {}) {
  const tree = new FileTree();
  tree.ensureDir("/");
  const follows = items.some((i2) => i2.kind === "copy" && (i2.dereference ?? opts2.noSymlinks === true) || i2.kind === "generate" && generators[i2.generator].followsStoreLinks === true);
  const map = follows ? await storeLinkMap(inputs) : void 0;
  for (const [i2, item] of items.entries()) {
    const w = `${where2}.contents[${i2}]`;
    try {
      switch (item.kind) {
        case "copy":
          addCopy(tree, item, inputs, w, opts2, map);
          break;
        case "text":
          tree.add(fromUtf8(item.target), { kind: "data", mode: item.mode, data: Buffer.from(item.text) });
          break;
        case "symlink":
          tree.add(fromUtf8(item.target), { kind: "symlink", target: fromUtf8(item.linkTarget) });
          break;
        case "generate":
          await generators[item.generator].add(tree, item, { inputs, where: w, ...map ? { map } : {}, ...opts2.partition !== void 0 ? { partition: opts2.partition } : {} });
          break;
      }
    } catch (err) {
      if (err instanceof Error && !(err instanceof ImgsmithError)) {
        throw inputError(`${w}: ${err.message}`, err);
      }
      throw err;
    }
  }
  return tree;
}

// src/spec-schema.ts
var import_ajv = __toESM(require_ajv(), 1);
var SCHEMA_FILE = "schema/imgsmith-spec.schema.json";
var obj2 = (properties, required = [], extra = {}) => ({
  type: "object",
  properties,
  ...required.length ? { required: [...required] } : {},
  additionalProperties: false,
  ...extra
});
var absPath = { type: "string", pattern: "^/", description: "an absolute path in the filesystem" };
function filesystemSchema() {
  return {
    description: `the filesystem: ${FS_TYPES.join(", ")}`,
    type: "object",
    required: ["type"],
    properties: { type: { enum: FS_TYPES } },
    allOf: FS_TYPES.map((t) => {
      const { spec } = drivers[t];
      return {
        if: { properties: { type: { const: t } } },
        then: obj2({ type: { const: t }, ...spec.properties }, ["type", ...spec.required ?? []])
      };
    })
  };
}
function contentItemSchema() {
  const generate = GENERATORS.map((name) => {
    const g = generators[name];
    return obj2(
      {
        generate: { const: name },
        ...g.fixedTarget ? {} : { target: { ...absPath, description: `${g.target.description} (default ${g.target.default})` } },
        options: obj2(g.options)
      },
      ["generate"]
    );
  });
  return {
    anyOf: [
      obj2(
        {
          from: { enum: [...SOURCE_ROOTS] },
          path: { type: "string", minLength: 1, description: 'relative to the root named by "from"; the last component may be a glob' },
          target: absPath,
          optional: { type: "boolean" },
          dereference: { type: "boolean", description: "follow symlinks (like cp -rL)" },
          allowEscape: { type: "boolean", description: "allow a path that leaves its source" }
        },
        ["from", "path"]
      ),
      obj2({ symlink: { type: "string", minLength: 1, description: "the link target" }, target: absPath }, ["symlink", "target"]),
      obj2({ text: { type: "string" }, target: absPath, mode: { type: "string", pattern: "^0?[0-7]{3,4}$" } }, ["text", "target"]),
      ...generate
    ]
  };
}
function specSchema() {
  const size = schemaOf.size;
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "imgsmith image spec",
    description: "A disk image for imgsmith build: partition table, partitions with their filesystems and contents, outputs. See README.md.",
    ...obj2(
      {
        $schema: { type: "string" },
        description: { type: "string" },
        name: { type: "string", pattern: "^[A-Za-z0-9._+-]+$" },
        system: { type: "string", pattern: "^[a-z0-9_]+-[a-z0-9_]+$", description: "a Nix system (default aarch64-linux)" },
        table: {
          type: "object",
          required: ["type"],
          properties: { type: { enum: ["dos", "gpt"] } },
          allOf: [
            { if: { properties: { type: { const: "dos" } } }, then: obj2({ type: { const: "dos" }, labelId: schemaOf.id32 }, ["type"]) },
            {
              if: { properties: { type: { const: "gpt" } } },
              then: obj2(
                { type: { const: "gpt" }, diskGuid: schemaOf.uuid, seed: { type: "string", minLength: 1 }, hybridMbr: { type: "array", items: { type: "string", minLength: 1 } } },
                ["type"]
              )
            }
          ]
        },
        alignment: size,
        size: { ...size, description: 'the target disk size (needed for a "fill" partition)' },
        partitions: { type: "array", minItems: 1, maxItems: 128, items: { $ref: "#/definitions/partition" } },
        output: obj2({
          name: { type: "string", minLength: 1, pattern: "^[^/\\u0000]+$", description: `file name template; placeholders ${TEMPLATE_KEYS.map((k) => `{${k}}`).join(", ")}` },
          directory: { type: "string", minLength: 1 },
          compress: { enum: ["zstd", "none"] },
          zstdLevel: { type: "integer", minimum: 1, maximum: 19 },
          bmap: { type: "boolean" },
          tar: {
            anyOf: [
              { enum: ["rootfs", "nix-binary-tarball"] },
              obj2({ type: { enum: ["rootfs", "nix-binary-tarball"] }, partition: { type: "string", minLength: 1 } }, ["type"])
            ]
          }
        })
      },
      ["name", "table", "partitions"]
    ),
    definitions: {
      partition: obj2(
        {
          name: { type: "string", minLength: 1 },
          type: { type: ["string", "integer"], description: "DOS: 0x0b, 83, fat32, linux, swap, efi...; GPT: esp, linux, swap, xbootldr, root-arm64, ef00, 8300, or a GUID" },
          start: size,
          size: { anyOf: [{ enum: ["auto", "fill"] }, size] },
          bootable: { type: "boolean" },
          attributes: { type: "array", items: { anyOf: [{ enum: ["required", "no-block-io", "legacy-bios-bootable", "grow-file-system"] }, { type: "integer", minimum: 48, maximum: 63 }] } },
          guid: schemaOf.uuid,
          filesystem: { $ref: "#/definitions/filesystem" },
          contents: { type: "array", items: { $ref: "#/definitions/contentItem" } }
        },
        ["name", "type", "size", "filesystem"]
      ),
      filesystem: filesystemSchema(),
      contentItem: contentItemSchema()
    }
  };
}
var compiled;
function specValidator() {
  if (!compiled) {
    const Ajv = import_ajv.default.default;
    compiled = new Ajv({ allowUnionTypes: true, strict: true, verbose: true }).compile(specSchema());
  }
  return compiled;
}
function schemaErrorMessage(e) {
  const where2 = "spec" + e.instancePath.split("/").slice(1).map((k) => /^\d+$/.test(k) ? `[${k}]` : `.${k.replaceAll("~1", "/").replaceAll("~0", "~")}`).join("");
  if (e.keyword === "additionalProperties") {
    const key = e.params.additionalProperty;
    const allowed = Object.keys(e.parentSchema?.properties ?? {});
    return `${where2}: unknown key "${key}"${hint(key, allowed)}; expected one of: ${allowed.join(", ")}`;
  }
  return `${where2}: ${e.message ?? "does not match the schema"} (${SCHEMA_FILE}: ${e.schemaPath})`;
}

// src/spec.ts
var ALL_FS_KEYS = ["type", ...new Set(FS_TYPES.flatMap((t) => Object.keys(drivers[t].spec.properties)))];
function filesystem(v, where2) {
  const base = obj(v, where2, ALL_FS_KEYS, ["type"]);
  const type = oneOf(base.type, `${where2}.type`, FS_TYPES);
  const { spec } = drivers[type];
  const o2 = obj(v, where2, ["type", ...Object.keys(spec.properties)], spec.required);
  return spec.parse(o2, where2);
}
function absTarget(v, where2, dflt) {
  if (v === void 0) return dflt;
  const p = str(v, where2);
  if (!p.startsWith("/") || p.split("/").includes("..")) {
    throw usageError(`${where2}: "${p}" must be an absolute path in the filesystem, e.g. "/boot"`);
  }
  return p;
}
function contentItem(v, where2) {
  const o2 = obj(v, where2, ["from", "path", "target", "optional", "dereference", "allowEscape", "generate", "options", "text", "mode", "symlink"]);
  if (o2.from !== void 0) {
    obj(v, where2, ["from", "path", "target", "optional", "dereference", "allowEscape"], ["path"]);
    const allowEscape = bool(o2.allowEscape, `${where2}.allowEscape`, false);
    const dereference = o2.dereference === void 0 ? void 0 : bool(o2.dereference, `${where2}.dereference`, false);
    return {
      kind: "copy",
      from: sourceRoot(o2.from, `${where2}.from`),
      path: relPath(o2.path, `${where2}.path`, allowEscape),
      target: absTarget(o2.target, `${where2}.target`, "/"),
      optional: bool(o2.optional, `${where2}.optional`, false),
      ...dereference !== void 0 ? { dereference } : {}
    };
  }
  if (o2.symlink !== void 0) {
    obj(v, where2, ["symlink", "target"], ["target"]);
    const t = str(o2.symlink, `${where2}.symlink`, { nonEmpty: false });
    if (t === "") throw usageError(`${where2}.symlink: the link target must not be empty`);
    if (t.includes("\0")) throw usageError(`${where2}.symlink: the link target must not contain a NUL byte`);
    const target = absTarget(o2.target, `${where2}.target`, "/");
    if (target.replace(/\/+$/, "") === "") throw usageError(`${where2}.target: a symlink cannot be the root directory`);
    return { kind: "symlink", linkTarget: t, target };
  }
  if (o2.generate !== void 0) {
    obj(v, where2, ["generate", "target", "options"]);
    const generator = oneOf(o2.generate, `${where2}.generate`, GENERATORS);
    const g = generators[generator];
    if (g.fixedTarget && o2.target !== void 0) throw usageError(`${where2}.target: ${g.fixedTarget}`);
    const options = o2.options === void 0 ? {} : obj(o2.options, `${where2}.options`, Object.keys(g.options));
    g.check?.(options, `${where2}.options`);
    return { kind: "generate", generator, target: absTarget(o2.target, `${where2}.target`, g.target.default), options };
  }
  if (o2.text !== void 0) {
    obj(v, where2, ["text", "target", "mode"], ["target"]);
    let mode = 420;
    if (o2.mode !== void 0) {
      const m = str(o2.mode, `${where2}.mode`, { pattern: /^0?[0-7]{3,4}$/, what: 'an octal mode such as "0644"' });
      mode = parseInt(m, 8);
    }
    return { kind: "text", text: str(o2.text, `${where2}.text`, { nonEmpty: false }), target: absTarget(o2.target, `${where2}.target`, "/"), mode };
  }
  throw usageError(`${where2}: a content item needs one of "from" (copy files), "generate", "text" or "symlink"`);
}
var CLOSURE_PATHS = ["/nix", "/nix/store", "/nix-path-registration"];
function checkTargets(items, fs3, where2) {
  const hasClosure = items.some((c3) => c3.kind === "generate" && c3.generator === "closure");
  const norm = (t) => `/${t.split("/").filter((c3) => c3 !== "" && c3 !== ".").join("/")}`;
  const files = /* @__PURE__ */ new Map();
  items.forEach((c3, j) => {
    if (c3.kind !== "text") return;
    const w = `${where2}[${j}].target`;
    const t = norm(c3.target);
    if (t === "/" || c3.target.endsWith("/")) throw usageError(`${w}: "${c3.target}" is a directory; a text item needs a file path such as "/etc/motd"`);
    if (hasClosure && (CLOSURE_PATHS.includes(t) || t.startsWith("/nix/store/"))) {
      throw usageError(`${w}: "${c3.target}" is where the Nix closure goes (/nix/store, /nix-path-registration) in this filesystem; choose another path`);
    }
    if (driverFor(fs3).reservedDirs?.includes(t)) throw usageError(`${w}: "${t}" is reserved by ${fs3.type} (a directory it creates itself); choose another path`);
    files.set(t, j);
  });
  for (const [t, j] of files) {
    for (let d = t.slice(0, t.lastIndexOf("/")); d !== ""; d = d.slice(0, d.lastIndexOf("/"))) {
      const k = files.get(d);
      if (k !== void 0) throw usageError(`${where2}[${k}].target: "${d}" is a file here, but ${where2}[${j}] needs it to be a directory (for "${t}")`);
    }
  }
}
function partition(v, where2, tableType) {
  const o2 = obj(
    v,
    where2,
    ["name", "type", "start", "size", "bootable", "attributes", "guid", "filesystem", "contents"],
    ["name", "type", "size", "filesystem"]
  );
  const name = str(o2.name, `${where2}.name`);
  const type = typeof o2.type === "number" ? `0x${o2.type.toString(16)}` : str(o2.type, `${where2}.type`);
  const attributes = o2.attributes === void 0 ? [] : arr(o2.attributes, `${where2}.attributes`).map((a2, i2) => {
    const w = `${where2}.attributes[${i2}]`;
    if (typeof a2 === "number") {
      if (!Number.isInteger(a2) || a2 < 48 || a2 > 63) throw usageError(`${w}: attribute bit numbers must be 48-63, got ${a2}`);
      return a2;
    }
    return oneOf(a2, w, ["required", "no-block-io", "legacy-bios-bootable", "grow-file-system"]);
  });
  if (tableType === "dos" && attributes.length > 0) throw usageError(`${where2}.attributes: only GPT partitions have attributes`);
  if (tableType === "dos" && o2.guid !== void 0) throw usageError(`${where2}.guid: only GPT partitions have GUIDs`);
  const fs3 = filesystem(o2.filesystem, `${where2}.filesystem`);
  const contents = o2.contents === void 0 ? [] : arr(o2.contents, `${where2}.contents`).map((c3, i2) => contentItem(c3, `${where2}.contents[${i2}]`));
  checkTargets(contents, fs3, `${where2}.contents`);
  return {
    name,
    type,
    ...o2.start !== void 0 ? { start: parseSize(o2.start, `${where2}.start`) } : {},
    size: sizeSpec(o2.size, `${where2}.size`),
    bootable: bool(o2.bootable, `${where2}.bootable`, false),
    attributes,
    ...o2.guid !== void 0 ? { guid: uuid(o2.guid, `${where2}.guid`) } : {},
    filesystem: fs3,
    contents
  };
}
function table(v, where2, name) {
  const base = obj(v, where2, ["type", "labelId", "diskGuid", "seed", "hybridMbr"], ["type"]);
  const type = oneOf(base.type, `${where2}.type`, ["dos", "gpt"]);
  if (type === "dos") {
    const o3 = obj(v, where2, ["type", "labelId"]);
    return { type, labelId: o3.labelId === void 0 ? 0 : u32(o3.labelId, `${where2}.labelId`) };
  }
  const o2 = obj(v, where2, ["type", "diskGuid", "seed", "hybridMbr"]);
  return {
    type,
    ...o2.diskGuid !== void 0 ? { diskGuid: uuid(o2.diskGuid, `${where2}.diskGuid`) } : {},
    seed: o2.seed === void 0 ? name : str(o2.seed, `${where2}.seed`),
    ...o2.hybridMbr !== void 0 ? { hybridMbr: arr(o2.hybridMbr, `${where2}.hybridMbr`).map((h2, i2) => str(h2, `${where2}.hybridMbr[${i2}]`)) } : {}
  };
}
function tarOutput(v, where2, partitions) {
  const TYPES = ["rootfs", "nix-binary-tarball"];
  const o2 = typeof v === "string" ? { type: v } : obj(v, where2, ["type", "partition"], ["type"]);
  const type = oneOf(o2.type, typeof v === "string" ? where2 : `${where2}.type`, TYPES);
  if (type === "nix-binary-tarball") {
    if (o2.partition !== void 0) throw usageError(`${where2}.partition: only a "rootfs" tarball takes a partition`);
    return { type };
  }
  const withFiles = (p) => driverFor(p.filesystem).holdsFiles === true;
  const withFilesTypes = FS_TYPES.filter((t) => drivers[t].holdsFiles);
  const filesList = `${withFilesTypes.slice(0, -1).join(", ")} or ${withFilesTypes.at(-1)}`;
  const rootList = FS_TYPES.filter((t) => drivers[t].rootCandidate).join("/");
  if (o2.partition !== void 0) {
    const name = str(o2.partition, `${where2}.partition`);
    const p = partitions.find((q) => q.name === name);
    if (!p) throw usageError(`${where2}.partition: no partition is named "${name}"${hint(name, partitions.map((q) => q.name))}`);
    if (!withFiles(p)) throw usageError(`${where2}.partition: "${name}" is a ${p.filesystem.type} partition without files: name a ${filesList} partition`);
    return { type, partition: name };
  }
  const withClosure = partitions.find((p) => p.contents.some((c3) => c3.kind === "generate" && c3.generator === "closure"));
  const lastLinux = [...partitions].reverse().find((p) => driverFor(p.filesystem).rootCandidate === true);
  const root = withClosure ?? lastLinux;
  if (!root || !withFiles(root)) {
    throw usageError(`${where2}: "rootfs" found no root partition (one with { "generate": "closure" } or an ${rootList} one): name one with { "type": "rootfs", "partition": "..." }`);
  }
  return { type, partition: root.name };
}
function output(v, where2, name, partitions) {
  const o2 = v === void 0 ? {} : obj(v, where2, ["name", "directory", "compress", "zstdLevel", "bmap", "tar"]);
  let level = 3;
  if (o2.zstdLevel !== void 0) {
    if (typeof o2.zstdLevel !== "number" || !Number.isInteger(o2.zstdLevel) || o2.zstdLevel < 1 || o2.zstdLevel > 19) {
      throw usageError(`${where2}.zstdLevel: expected a whole number from 1 to 19, got ${describe(o2.zstdLevel)}`);
    }
    level = o2.zstdLevel;
  }
  const fileName = o2.name === void 0 ? name : str(o2.name, `${where2}.name`, { pattern: /^[^/\0]+$/, what: 'a file name without "/"' });
  const unknown = unknownPlaceholders(fileName);
  if (unknown.length > 0) {
    throw usageError(
      `${where2}.name: unknown placeholder "{${unknown[0]}}"${hint(unknown[0], TEMPLATE_KEYS)}; the placeholders are ${TEMPLATE_KEYS.map((k) => `{${k}}`).join(", ")}`
    );
  }
  let directory;
  if (o2.directory !== void 0) {
    directory = str(o2.directory, `${where2}.directory`);
    for (const c3 of directory.split("/")) {
      if (!/^[A-Za-z0-9_+-][A-Za-z0-9._+-]*$/.test(c3)) {
        throw usageError(
          `${where2}.directory: "${directory}" must be a relative directory such as "sd-image" made of letters, digits and . _ + - (no leading "/" or ".", no empty, "." or ".." components)`
        );
      }
    }
    if (directory.split("/")[0] === "nix-support") throw usageError(`${where2}.directory: "nix-support" is where the Hydra products go; choose another directory`);
  }
  return {
    name: fileName,
    ...directory !== void 0 ? { directory } : {},
    compress: o2.compress === void 0 ? "zstd" : oneOf(o2.compress, `${where2}.compress`, ["zstd", "none"]),
    zstdLevel: level,
    bmap: bool(o2.bmap, `${where2}.bmap`, true),
    ...o2.tar !== void 0 ? { tar: tarOutput(o2.tar, `${where2}.tar`, partitions) } : {}
  };
}
function validateSpec3(json, specDir) {
  const schema = specValidator();
  if (!schema(json)) {
    checkSpec(json, specDir);
    throw usageError(schemaErrorMessage(schema.errors[0]));
  }
  return checkSpec(json, specDir);
}
function checkSpec(json, specDir) {
  const o2 = obj(json, "spec", ["$schema", "description", "name", "system", "table", "alignment", "size", "partitions", "output"], [
    "name",
    "table",
    "partitions"
  ]);
  const name = str(o2.name, "spec.name", { pattern: /^[A-Za-z0-9._+-]+$/, what: "a name made of letters, digits and . _ + -" });
  const tbl = table(o2.table, "spec.table", name);
  const alignment = o2.alignment === void 0 ? MiB2 : parseSize(o2.alignment, "spec.alignment");
  if (alignment < 512 || alignment % 512 !== 0) {
    throw usageError(`spec.alignment: must be a positive multiple of 512 bytes, got ${alignment}`);
  }
  const parts = arr(o2.partitions, "spec.partitions");
  if (parts.length === 0) throw usageError("spec.partitions: at least one partition is needed");
  const maxParts = tbl.type === "dos" ? 4 : 128;
  if (parts.length > maxParts) {
    throw usageError(
      tbl.type === "dos" ? `spec.partitions: ${parts.length} partitions do not fit in a DOS (MBR) table, which holds at most 4 primary partitions; use "table": { "type": "gpt" }` : `spec.partitions: ${parts.length} partitions do not fit in a GPT, which holds at most 128`
    );
  }
  const partitions = parts.map((p, i2) => partition(p, `spec.partitions[${i2}]`, tbl.type));
  const seen = /* @__PURE__ */ new Map();
  partitions.forEach((p, i2) => {
    const prev = seen.get(p.name);
    if (prev !== void 0) {
      throw usageError(`spec.partitions[${i2}].name: "${p.name}" is already the name of spec.partitions[${prev}]`);
    }
    seen.set(p.name, i2);
  });
  const fillIdx = partitions.findIndex((p) => p.size === "fill");
  if (fillIdx >= 0 && fillIdx !== partitions.length - 1) {
    throw usageError(`spec.partitions[${fillIdx}].size: only the last partition can be "fill"`);
  }
  const diskSize = o2.size === void 0 ? void 0 : parseSize(o2.size, "spec.size");
  if (fillIdx >= 0 && diskSize === void 0) {
    throw usageError(`spec.partitions[${fillIdx}].size: "fill" needs a target disk size in spec.size (e.g. "32GiB")`);
  }
  return {
    name,
    system: o2.system === void 0 ? "aarch64-linux" : str(o2.system, "spec.system", { pattern: /^[a-z0-9_]+-[a-z0-9_]+$/, what: 'a Nix system such as "aarch64-linux"' }),
    table: tbl,
    alignment,
    ...diskSize !== void 0 ? { diskSize } : {},
    partitions,
    output: output(o2.output, "spec.output", name, partitions),
    specDir
  };
}
async function loadSpec(file) {
  let text;
  try {
    text = await readRegularText(file);
  } catch (err) {
    if (err instanceof NotRegularFileError) throw usageError(`spec ${file} is ${err.kind}: give the path of a JSON file`);
    const code = err.code;
    throw usageError(`cannot read spec ${file}: ${code === "ENOENT" ? "no such file" : String(err)}`);
  }
  let json;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw usageError(`spec ${file} is not valid JSON: ${err.message}`);
  }
  try {
    return validateSpec3(json, path21.dirname(path21.resolve(file)));
  } catch (err) {
    if (err instanceof Error) err.message = `${file}: ${err.message}`;
    throw err;
  }
}

// src/layout.ts
var MAX_DISK_SIZE = { dos: 2 * TiB, gpt: 16 * TiB };
function tableReserve(type) {
  return type === "gpt" ? { head: 34 * SECTOR, tail: 33 * SECTOR } : { head: SECTOR, tail: 0 };
}
function checkDiskLimit(type, size, what) {
  const max = MAX_DISK_SIZE[type];
  if (size > max) {
    throw usageError(
      type === "dos" ? `${what} is ${formatSize(size)}, more than a DOS (MBR) table can address (at most ${formatSize(max)}, 2^32 sectors); use a smaller size or a "gpt" table` : `${what} is ${formatSize(size)}, more than imgsmith builds (at most ${formatSize(max)} with a GPT); use a smaller size`
    );
  }
}
var where = (i2, name) => `partition ${i2 + 1} ("${name}")`;
var range = (s, e) => `${formatSize(s)}..${formatSize(e)}`;
function planLayout({ spec, minSizes, minReasons }) {
  const { head, tail } = tableReserve(spec.table.type);
  if (spec.diskSize !== void 0) checkDiskLimit(spec.table.type, spec.diskSize, "the target disk size (spec.size or --size)");
  const align = spec.alignment;
  const out = [];
  let cursor = head;
  spec.partitions.forEach((p, i2) => {
    const w = where(i2, p.name);
    const min = minSizes[i2] ?? 0;
    let start;
    if (p.start !== void 0) {
      if (p.start % align !== 0) {
        throw usageError(`${w}: start ${formatSize(p.start)} is not aligned to ${formatSize(align)}`);
      }
      if (p.start < head) {
        throw usageError(`${w}: start ${formatSize(p.start)} overlaps the partition table (first usable byte is ${head})`);
      }
      start = p.start;
    } else {
      start = alignUp(cursor, align);
    }
    let size;
    if (p.size === "auto") {
      size = alignUp(Math.max(min, SECTOR), SECTOR);
    } else if (p.size === "fill") {
      if (spec.diskSize === void 0) throw usageError(`${w}: size "fill" needs a target disk size (spec.size)`);
      const end = alignDown(spec.diskSize - tail, 4096);
      size = end - start;
      if (size <= 0) {
        throw doesNotFit(
          `${w}: nothing left to fill: it would start at ${formatSize(start)} but the usable disk ends at ${formatSize(end)} (target size ${formatSize(spec.diskSize)})`
        );
      }
      if (size < min) {
        throw doesNotFit(
          `${w}: the content needs ${formatSize(min)} but filling the target disk of ${formatSize(spec.diskSize)} leaves only ${formatSize(size)}`
        );
      }
    } else {
      if (p.size % SECTOR !== 0) throw usageError(`${w}: size ${p.size} is not a multiple of ${SECTOR} bytes`);
      size = p.size;
      if (size < min) {
        const why = minReasons?.[i2];
        if (why) throw usageError(`${w}: the partition is ${formatSize(size)} but ${why}`);
        throw doesNotFit(`${w}: the content needs ${formatSize(min)} but the partition is ${formatSize(size)}`);
      }
    }
    out.push({
      index: i2 + 1,
      name: p.name,
      start,
      size,
      type: p.type,
      bootable: p.bootable,
      attributes: p.attributes,
      ...p.guid !== void 0 ? { guid: p.guid } : {}
    });
    cursor = Math.max(cursor, start + size);
  });
  const byStart = [...out].sort((a2, b) => a2.start - b.start);
  for (let k = 1; k < byStart.length; k++) {
    const a2 = byStart[k - 1];
    const b = byStart[k];
    if (b.start < a2.start + a2.size) {
      throw usageError(
        `partitions "${a2.name}" (${range(a2.start, a2.start + a2.size)}) and "${b.name}" (${range(b.start, b.start + b.size)}) overlap`
      );
    }
  }
  const last = byStart[byStart.length - 1];
  const needed = alignUp(last.start + last.size + tail, SECTOR);
  checkDiskLimit(spec.table.type, needed, "the disk the partitions need");
  let diskSize = needed;
  if (spec.diskSize !== void 0) {
    if (spec.diskSize % SECTOR !== 0) throw usageError(`spec.size: ${spec.diskSize} is not a multiple of ${SECTOR} bytes`);
    if (spec.diskSize < needed) {
      throw doesNotFit(
        `the partitions need a disk of ${formatSize(needed)} but the target size is ${formatSize(spec.diskSize)} (${formatSize(needed - spec.diskSize)} short)`
      );
    }
    diskSize = spec.diskSize;
  }
  return { diskSize, table: spec.table, partitions: out };
}

// src/ptable/index.ts
import { open } from "node:fs/promises";

// src/ptable/gpt.ts
import { crc32 } from "node:zlib";

// src/ptable/mbr.ts
var SECTOR2 = 512;
var HEADS = 255;
var SECTORS_PER_TRACK = 63;
var MAX_CYLINDERS = 1024;
var CHS_LIMIT = HEADS * SECTORS_PER_TRACK * MAX_CYLINDERS;
function lbaToChs(lba) {
  const spc = HEADS * SECTORS_PER_TRACK;
  if (lba >= CHS_LIMIT) return [254, 255, 255];
  const c3 = Math.floor(lba / spc);
  const rem = lba % spc;
  const h2 = Math.floor(rem / SECTORS_PER_TRACK);
  const s = rem % SECTORS_PER_TRACK + 1;
  return [h2, s | c3 >> 2 & 192, c3 & 255];
}
function writeEntry(buf, slot, e) {
  const o2 = 446 + slot * 16;
  buf[o2] = e.bootable ? 128 : 0;
  const [h1, s1, c1] = lbaToChs(e.startLba);
  buf[o2 + 1] = h1;
  buf[o2 + 2] = s1;
  buf[o2 + 3] = c1;
  buf[o2 + 4] = e.type;
  const endLba = e.startLba + e.sizeLba - 1;
  const [h2, s2, c22] = e.protective && endLba >= CHS_LIMIT ? [255, 255, 255] : lbaToChs(endLba);
  buf[o2 + 5] = h2;
  buf[o2 + 6] = s2;
  buf[o2 + 7] = c22;
  buf.writeUInt32LE(e.startLba, o2 + 8);
  buf.writeUInt32LE(e.sizeLba, o2 + 12);
}
function buildMbrSector(diskSignature, slots) {
  const buf = Buffer.alloc(SECTOR2);
  buf.writeUInt32LE(diskSignature >>> 0, 440);
  slots.forEach((e, i2) => {
    if (e) writeEntry(buf, i2, e);
  });
  buf[510] = 85;
  buf[511] = 170;
  return buf;
}

// src/ptable/gpt.ts
var GPT_ENTRIES = 128;
var GPT_ENTRY_SIZE = 128;
var GPT_ENTRY_SECTORS = GPT_ENTRIES * GPT_ENTRY_SIZE / SECTOR2;
var GPT_FIRST_USABLE = 2 + GPT_ENTRY_SECTORS;
var GPT_NAME_UNITS = 36;
function gptLastUsable(totalLba) {
  return totalLba - 1 - GPT_ENTRY_SECTORS - 1;
}
function buildEntries(entries) {
  const buf = Buffer.alloc(GPT_ENTRIES * GPT_ENTRY_SIZE);
  for (const e of entries) {
    const o2 = (e.index - 1) * GPT_ENTRY_SIZE;
    guidToBytes(e.typeGuid).copy(buf, o2);
    guidToBytes(e.uniqueGuid).copy(buf, o2 + 16);
    buf.writeBigUInt64LE(BigInt(e.firstLba), o2 + 32);
    buf.writeBigUInt64LE(BigInt(e.lastLba), o2 + 40);
    buf.writeBigUInt64LE(e.attributes, o2 + 48);
    buf.write(e.name, o2 + 56, GPT_NAME_UNITS * 2, "utf16le");
  }
  return buf;
}
function buildHeader(opts2) {
  const h2 = Buffer.alloc(SECTOR2);
  h2.write("EFI PART", 0, "latin1");
  h2.writeUInt32LE(65536, 8);
  h2.writeUInt32LE(92, 12);
  h2.writeBigUInt64LE(BigInt(opts2.myLba), 24);
  h2.writeBigUInt64LE(BigInt(opts2.alternateLba), 32);
  h2.writeBigUInt64LE(BigInt(opts2.firstUsable), 40);
  h2.writeBigUInt64LE(BigInt(opts2.lastUsable), 48);
  guidToBytes(opts2.diskGuid).copy(h2, 56);
  h2.writeBigUInt64LE(BigInt(opts2.entriesLba), 72);
  h2.writeUInt32LE(GPT_ENTRIES, 80);
  h2.writeUInt32LE(GPT_ENTRY_SIZE, 84);
  h2.writeUInt32LE(opts2.entriesCrc, 88);
  h2.writeUInt32LE(crc32(h2.subarray(0, 92)), 16);
  return h2;
}
function buildGptWrites(totalLba, diskGuid, entries, mbrSector) {
  const last = totalLba - 1;
  const array = buildEntries(entries);
  const entriesCrc = crc32(array);
  const common2 = {
    firstUsable: GPT_FIRST_USABLE,
    lastUsable: gptLastUsable(totalLba),
    diskGuid,
    entriesCrc
  };
  const primary = buildHeader({ ...common2, myLba: 1, alternateLba: last, entriesLba: 2 });
  const backupEntriesLba = last - GPT_ENTRY_SECTORS;
  const backup = buildHeader({ ...common2, myLba: last, alternateLba: 1, entriesLba: backupEntriesLba });
  return [
    { offset: 0, data: mbrSector },
    { offset: SECTOR2, data: Buffer.concat([primary, array]) },
    { offset: backupEntriesLba * SECTOR2, data: Buffer.concat([array, backup]) }
  ];
}

// src/ptable/parttypes.ts
var DOS_ALIASES = {
  "fat32": 11,
  "fat32-lba": 12,
  "fat16": 6,
  "linux": 131,
  "swap": 130,
  "efi": 239,
  "lvm": 142
};
var DOS_EXTENDED = /* @__PURE__ */ new Set([5, 15, 133]);
function hex22(n2) {
  return `0x${n2.toString(16).padStart(2, "0")}`;
}
function parseDosType(type) {
  const t = type.trim().toLowerCase();
  const alias = DOS_ALIASES[t];
  let id;
  if (alias !== void 0) {
    id = alias;
  } else {
    const m = /^(?:0x)?([0-9a-f]{1,2})$/.exec(t);
    if (!m) {
      if (t === "extended") return "extended partitions (and logical partitions in them) are not supported; a DOS table holds at most 4 primary partitions";
      return `unknown DOS partition type "${type}" (use a hex id such as 0x0b, b or 83, or one of: ${Object.keys(DOS_ALIASES).join(", ")})`;
    }
    id = parseInt(m[1], 16);
  }
  if (id === 0) return `DOS partition type "${type}" (0x00) marks an unused entry`;
  if (DOS_EXTENDED.has(id)) {
    return `DOS partition type "${type}" (${hex22(id)}) is an extended partition; extended/logical partitions are not supported`;
  }
  if (id === 238) return `DOS partition type "${type}" (0xee) is the GPT protective type; use a "gpt" table instead`;
  return id;
}
function formatDosType(id) {
  return hex22(id);
}
var G = {
  esp: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
  basicData: "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
  msReserved: "E3C9E316-0B5C-4DB8-817D-F92DF00215AE",
  linux: "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
  linuxReserved: "8DA63339-0007-60C0-C436-083AC8230908",
  swap: "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F",
  home: "933AC7E1-2EB4-4F13-B844-0E14E2AEF915",
  rootX86: "44479540-F297-41B2-9AF7-D131D5F0458A",
  rootX8664: "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709",
  rootArm64: "B921B045-1DF0-41C3-AF44-4C6F280D3FAE",
  srv: "3B8F8425-20E0-4F3B-907F-1A25A76F98E8",
  rootArm: "69DAD710-2CE4-4E3C-B16C-21A1D49ABED3",
  dmCrypt: "7FFEC5C9-2D00-49B7-8941-3EA10A5586B7",
  luks: "CA7D7CCB-63ED-4C53-861C-1742536059CC",
  var: "4D21B016-B534-45C2-A9FB-5C16E091FD2D",
  tmp: "7EC6F557-3BC5-4ACA-B293-16EF5DF639D1",
  userHome: "773F91EF-66D4-49B5-BD83-D683BF40AD16",
  usrX86: "75250D76-8CC6-458E-BD66-BD47CC81A812",
  usrX8664: "8484680C-9521-48C6-9C11-B0720656F69E",
  usrArm: "7D0359A3-02B3-4F0A-865C-654403E70625",
  usrArm64: "B0E01050-EE5F-4390-949A-9101B17104E9",
  lvm: "E6D6D379-F507-44C2-A23C-238F2A3DF928",
  raid: "A19D880F-05FC-4D3B-A006-743F0F84911E",
  xbootldr: "BC13C2FF-59E6-4262-A352-B275FD6F7172",
  mbrScheme: "024DEE41-33E7-11D3-9D69-0008C781F39F",
  bios: "21686148-6449-6E6F-744E-656564454649",
  uboot: "3DE21764-95BD-54BD-A5C3-4ABE786F38A8"
};
var GPT_ALIASES = {
  "esp": G.esp,
  "linux": G.linux,
  "linux-generic": G.linux,
  "swap": G.swap,
  "xbootldr": G.xbootldr,
  "root-arm64": G.rootArm64,
  "root-arm": G.rootArm,
  "root-x86-64": G.rootX8664,
  "root-x86": G.rootX86,
  "usr-arm64": G.usrArm64,
  "usr-arm": G.usrArm,
  "usr-x86-64": G.usrX8664,
  "usr-x86": G.usrX86,
  "home": G.home,
  "srv": G.srv,
  "var": G.var,
  "tmp": G.tmp,
  "bios": G.bios,
  "msdata": G.basicData,
  "basic-data": G.basicData,
  "lvm": G.lvm,
  "raid": G.raid,
  "luks": G.luks
};
var GDISK_CODES = {
  "0700": G.basicData,
  "0c01": G.msReserved,
  "8200": G.swap,
  "8300": G.linux,
  "8301": G.linuxReserved,
  "8302": G.home,
  "8303": G.rootX86,
  "8304": G.rootX8664,
  "8305": G.rootArm64,
  "8306": G.srv,
  "8307": G.rootArm,
  "8308": G.dmCrypt,
  "8309": G.luks,
  "8310": G.var,
  "8311": G.tmp,
  "8312": G.userHome,
  "8313": G.usrX86,
  "8314": G.usrX8664,
  "8315": G.usrArm,
  "8316": G.usrArm64,
  "8e00": G.lvm,
  "b000": G.uboot,
  "ea00": G.xbootldr,
  "ef00": G.esp,
  "ef01": G.mbrScheme,
  "ef02": G.bios,
  "fd00": G.raid
};
var HYBRID_DOS = {
  [G.esp]: 12,
  [G.basicData]: 12,
  [G.swap]: 130,
  [G.lvm]: 142,
  [G.raid]: 253,
  [G.xbootldr]: 234,
  [G.linux]: 131,
  [G.home]: 131,
  [G.rootX86]: 131,
  [G.rootX8664]: 131,
  [G.rootArm64]: 131,
  [G.rootArm]: 131,
  [G.srv]: 131,
  [G.var]: 131,
  [G.tmp]: 131,
  [G.userHome]: 131,
  [G.usrX86]: 131,
  [G.usrX8664]: 131,
  [G.usrArm]: 131,
  [G.usrArm64]: 131,
  [G.luks]: 131,
  [G.dmCrypt]: 131
};
function parseGptType(type) {
  const colon = type.indexOf(":");
  const base = (colon >= 0 ? type.slice(0, colon) : type).trim();
  let dosOverride;
  if (colon >= 0) {
    const d = parseDosType(type.slice(colon + 1));
    if (typeof d === "string") return `GPT partition type "${type}": the hybrid-MBR type after ":" is invalid: ${d}`;
    dosOverride = d;
  }
  const lower = base.toLowerCase();
  let guid = GPT_ALIASES[lower] ?? GDISK_CODES[lower];
  if (guid === void 0 && isGuid(base)) {
    guid = base.toUpperCase();
    if (/^[0-]+$/.test(guid)) return `GPT partition type "${type}": the all-zero GUID marks an unused entry`;
  }
  if (guid === void 0) {
    if (/^[0-9a-f]{4}$/i.test(base)) {
      return `unknown gdisk type code "${base}" (known codes: ${Object.keys(GDISK_CODES).join(", ")}; or give the type GUID)`;
    }
    if (/^[0-9a-f-]{30,}$/i.test(base) || /^\{.*\}$/.test(base)) {
      return `GPT partition type "${base}" is not a well-formed GUID (expected 8-4-4-4-12 hex digits, e.g. 0FC63DAF-8483-4772-8E79-3D69D8477DE4)`;
    }
    return `unknown GPT partition type "${base}" (use an alias: ${Object.keys(GPT_ALIASES).join(", ")}; a gdisk code such as ef00 or 8300; or a type GUID)`;
  }
  return dosOverride === void 0 ? { guid } : { guid, dosOverride };
}
function hybridDosType(type) {
  const r = parseGptType(type);
  if (typeof r === "string") return r;
  if (r.dosOverride !== void 0) return r.dosOverride;
  const d = HYBRID_DOS[r.guid];
  if (d === void 0) {
    return `no default hybrid-MBR type for GPT type ${r.guid}; give one after a colon, e.g. "${type}:0x83"`;
  }
  return d;
}
function hasDosOverride(type) {
  return type.includes(":");
}

// src/ptable/validate.ts
var DOS_MAX_PARTITIONS = 4;
var HYBRID_MAX = 3;
var MBR_LIMIT_LBA = 2 ** 32;
var ATTRIBUTE_BITS = {
  "required": 0,
  "no-block-io": 1,
  "legacy-bios-bootable": 2,
  // systemd's GrowFileSystem (systemd-growfs, systemd-repart): grow the filesystem to the partition.
  "grow-file-system": 59
};
function who(p) {
  return `partition "${p.name}" (#${p.index})`;
}
function parseAttributes(p) {
  let bits2 = 0n;
  for (const a2 of p.attributes) {
    let bit;
    if (typeof a2 === "number") {
      bit = a2;
    } else if (typeof a2 === "string") {
      bit = ATTRIBUTE_BITS[a2.trim().toLowerCase()];
      if (bit === void 0 && /^\d+$/.test(a2.trim())) bit = Number(a2.trim());
      if (bit === void 0) {
        throw usageError(`${who(p)}: unknown GPT attribute "${a2}" (use required, no-block-io, legacy-bios-bootable, grow-file-system or a bit number 48-63)`);
      }
    }
    if (bit === void 0 || !Number.isInteger(bit) || bit > 2 && bit < 48 || bit < 0 || bit > 63) {
      throw usageError(`${who(p)}: GPT attribute ${JSON.stringify(a2)} is not allowed (use required, no-block-io, legacy-bios-bootable, grow-file-system or a bit number 48-63)`);
    }
    bits2 |= 1n << BigInt(bit);
  }
  if (p.bootable) bits2 |= 1n << 2n;
  return bits2;
}
function checkPlacement(plan) {
  const { diskSize } = plan;
  if (!Number.isSafeInteger(diskSize) || diskSize <= 0) {
    throw usageError(`disk size ${diskSize} is not a positive whole number of bytes`);
  }
  if (diskSize % SECTOR2 !== 0) {
    throw usageError(`disk size ${formatSize(diskSize)} is not a multiple of ${SECTOR2} bytes (the sector size)`);
  }
  const totalLba = diskSize / SECTOR2;
  const gpt = plan.table.type === "gpt";
  const max = gpt ? GPT_ENTRIES : DOS_MAX_PARTITIONS;
  if (plan.partitions.length > max) {
    throw usageError(gpt ? `${plan.partitions.length} partitions do not fit in a GPT (at most ${GPT_ENTRIES})` : `${plan.partitions.length} partitions do not fit in a DOS (MBR) table (at most ${DOS_MAX_PARTITIONS} primary partitions; use a "gpt" table)`);
  }
  if (gpt && totalLba < GPT_FIRST_USABLE + 34) {
    throw usageError(`disk size ${formatSize(diskSize)} is too small for a GPT (at least ${(GPT_FIRST_USABLE + 34) * SECTOR2} bytes)`);
  }
  const firstUsable = gpt ? GPT_FIRST_USABLE : 1;
  const lastUsable = gpt ? gptLastUsable(totalLba) : totalLba - 1;
  const seen = /* @__PURE__ */ new Map();
  for (const p of plan.partitions) {
    if (!Number.isInteger(p.index) || p.index < 1 || p.index > max) {
      throw usageError(`${who(p)}: partition number ${p.index} is out of range (1-${max})`);
    }
    const other = seen.get(p.index);
    if (other) throw usageError(`${who(p)}: partition number ${p.index} is also used by partition "${other.name}"`);
    seen.set(p.index, p);
    for (const [what, v] of [["start", p.start], ["size", p.size]]) {
      if (!Number.isSafeInteger(v) || v < 0) throw usageError(`${who(p)}: ${what} ${v} is not a whole number of bytes`);
      if (v % SECTOR2 !== 0) throw usageError(`${who(p)}: ${what} ${formatSize(v)} is not a multiple of ${SECTOR2} bytes`);
    }
    if (p.size === 0) throw usageError(`${who(p)}: size is 0`);
    const startLba = p.start / SECTOR2;
    const endLba = startLba + p.size / SECTOR2 - 1;
    if (startLba < firstUsable || endLba > lastUsable) {
      throw usageError(
        `${who(p)}: sectors ${startLba}-${endLba} are outside the usable area of the disk (sectors ${firstUsable}-${lastUsable} of a ${formatSize(diskSize)} disk with a ${gpt ? "GPT" : "DOS table"})`
      );
    }
    if (!gpt && endLba + 1 > MBR_LIMIT_LBA) {
      throw usageError(`${who(p)}: ends at ${formatSize(p.start + p.size)}, beyond the 2 TiB limit of a DOS (MBR) table; use a "gpt" table`);
    }
  }
  const sorted = [...plan.partitions].sort((a2, b) => a2.start - b.start);
  for (let i2 = 1; i2 < sorted.length; i2++) {
    const a2 = sorted[i2 - 1];
    const b = sorted[i2];
    if (b.start < a2.start + a2.size) {
      throw usageError(`${who(b)} (starting at byte ${b.start}) overlaps ${who(a2)} (bytes ${a2.start}-${a2.start + a2.size - 1})`);
    }
  }
  return { totalLba };
}
function prepareTable(plan) {
  const { totalLba } = checkPlacement(plan);
  const byIndex = [...plan.partitions].sort((a2, b) => a2.index - b.index);
  const table2 = plan.table;
  if (table2.type === "dos") {
    if (!Number.isInteger(table2.labelId) || table2.labelId < 0 || table2.labelId > 4294967295) {
      throw usageError(`DOS label-id ${table2.labelId} is not a 32-bit number`);
    }
    const partitions2 = byIndex.map((p) => {
      const t = parseDosType(p.type);
      if (typeof t === "string") throw usageError(`${who(p)}: ${t}`);
      if (p.attributes.length > 0) {
        throw usageError(`${who(p)}: attributes (${p.attributes.join(", ")}) exist only in a GPT, not in a DOS table`);
      }
      if (p.guid !== void 0) throw usageError(`${who(p)}: a partition GUID exists only in a GPT, not in a DOS table`);
      return { index: p.index, name: p.name, startLba: p.start / SECTOR2, sizeLba: p.size / SECTOR2, bootable: p.bootable, type: t };
    });
    return { type: "dos", totalLba, labelId: table2.labelId, partitions: partitions2 };
  }
  if (typeof table2.seed !== "string") throw usageError("GPT table: seed must be a string");
  let diskGuid;
  if (table2.diskGuid !== void 0) {
    if (!isGuid(table2.diskGuid)) {
      throw usageError(`GPT disk GUID "${table2.diskGuid}" is malformed (expected 8-4-4-4-12 hex digits)`);
    }
    diskGuid = canonicalGuid(table2.diskGuid);
  } else {
    diskGuid = deriveGuid("disk-guid", [table2.seed]);
  }
  const names = /* @__PURE__ */ new Map();
  const guids = /* @__PURE__ */ new Map([[diskGuid, "the disk GUID"]]);
  const partitions = byIndex.map((p) => {
    if (p.name.includes("\0")) throw usageError(`${who(p)}: the GPT name contains a NUL character`);
    if (p.name.length > GPT_NAME_UNITS) {
      throw usageError(`${who(p)}: the GPT partition name is ${p.name.length} UTF-16 code units long (at most ${GPT_NAME_UNITS})`);
    }
    const dup = names.get(p.name);
    if (dup) throw usageError(`${who(p)}: the name "${p.name}" is also used by partition #${dup.index}`);
    names.set(p.name, p);
    const t = parseGptType(p.type);
    if (typeof t === "string") throw usageError(`${who(p)}: ${t}`);
    let uniqueGuid;
    if (p.guid !== void 0) {
      if (!isGuid(p.guid)) throw usageError(`${who(p)}: partition GUID "${p.guid}" is malformed (expected 8-4-4-4-12 hex digits)`);
      uniqueGuid = canonicalGuid(p.guid);
      if (/^[0-]+$/.test(uniqueGuid)) throw usageError(`${who(p)}: the partition GUID must not be all zeros`);
    } else {
      uniqueGuid = deriveGuid("partition-guid", [table2.seed, p.name]);
    }
    const clash = guids.get(uniqueGuid);
    if (clash) throw usageError(`${who(p)}: partition GUID ${uniqueGuid} is the same as ${clash}`);
    guids.set(uniqueGuid, who(p));
    return {
      index: p.index,
      name: p.name,
      startLba: p.start / SECTOR2,
      sizeLba: p.size / SECTOR2,
      bootable: p.bootable,
      typeGuid: t.guid,
      uniqueGuid,
      attributes: parseAttributes(p)
    };
  });
  const hybridNames = table2.hybridMbr ?? [];
  if (hybridNames.length > HYBRID_MAX) {
    throw usageError(`hybrid MBR lists ${hybridNames.length} partitions (${hybridNames.join(", ")}); at most ${HYBRID_MAX} fit next to the 0xEE entry`);
  }
  const hybrid = [];
  for (const n2 of hybridNames) {
    const pp = partitions.find((q) => q.name === n2);
    if (!pp) {
      throw usageError(`hybrid MBR names partition "${n2}", which does not exist (partitions: ${partitions.map((q) => q.name).join(", ") || "none"})`);
    }
    if (hybrid.includes(pp)) throw usageError(`hybrid MBR names partition "${n2}" twice`);
    const p = names.get(n2);
    if (pp.startLba + pp.sizeLba > MBR_LIMIT_LBA) {
      throw usageError(`${who(p)}: cannot be mirrored into the hybrid MBR: it ends beyond 2 TiB, the limit of an MBR entry`);
    }
    const d = hybridDosType(p.type);
    if (typeof d === "string") throw usageError(`${who(p)}: ${d}`);
    pp.hybridType = d;
    hybrid.push(pp);
  }
  for (const p of byIndex) {
    if (hasDosOverride(p.type) && !hybridNames.includes(p.name)) {
      throw usageError(`${who(p)}: type "${p.type}" gives a hybrid-MBR type after ":", but the partition is not listed in table.hybridMbr`);
    }
  }
  return { type: "gpt", totalLba, diskGuid, partitions, hybrid };
}

// src/ptable/index.ts
function validateTable(plan) {
  prepareTable(plan);
}
var MAX_U32 = 4294967295;
function formatAttributes(bits2) {
  const words = [];
  if (bits2 & 1n) words.push("RequiredPartition");
  if (bits2 & 2n) words.push("NoBlockIOProtocol");
  if (bits2 & 4n) words.push("LegacyBIOSBootable");
  const high = [];
  for (let b = 48; b < 64; b++) if (bits2 & 1n << BigInt(b)) high.push(b);
  if (high.length) words.push(`GUID:${high.join(",")}`);
  return words.length ? words.join(" ") : void 0;
}
function buildPartitionTable(plan) {
  const t = prepareTable(plan);
  if (t.type === "dos") {
    const slots = [];
    for (const p of t.partitions) {
      slots[p.index - 1] = { bootable: p.bootable, type: p.type, startLba: p.startLba, sizeLba: p.sizeLba };
    }
    const info2 = {
      type: "dos",
      labelId: `0x${t.labelId.toString(16).padStart(8, "0")}`,
      partitions: t.partitions.map((p) => ({
        index: p.index,
        name: p.name,
        typeCode: formatDosType(p.type),
        bootable: p.bootable
      }))
    };
    return { writes: [{ offset: 0, data: buildMbrSector(t.labelId, slots) }], info: info2 };
  }
  let mbrSlots;
  if (t.hybrid.length === 0) {
    mbrSlots = [{ bootable: false, type: 238, startLba: 1, sizeLba: Math.min(t.totalLba - 1, MAX_U32), protective: true }];
  } else {
    const firstStart = Math.min(...t.hybrid.map((p) => p.startLba));
    mbrSlots = [
      { bootable: false, type: 238, startLba: 1, sizeLba: firstStart - 1 },
      ...t.hybrid.map((p) => ({ bootable: p.bootable, type: p.hybridType, startLba: p.startLba, sizeLba: p.sizeLba }))
    ];
  }
  const mbr = buildMbrSector(0, mbrSlots);
  const writes = buildGptWrites(t.totalLba, t.diskGuid, t.partitions.map((p) => ({
    index: p.index,
    typeGuid: p.typeGuid,
    uniqueGuid: p.uniqueGuid,
    firstLba: p.startLba,
    lastLba: p.startLba + p.sizeLba - 1,
    attributes: p.attributes,
    name: p.name
  })), mbr);
  const info = {
    type: "gpt",
    diskGuid: t.diskGuid,
    ...t.hybrid.length ? { hybridMbr: t.hybrid.map((p) => p.name) } : {},
    partitions: t.partitions.map((p) => {
      const attributes = formatAttributes(p.attributes);
      return {
        index: p.index,
        name: p.name,
        typeCode: p.typeGuid,
        guid: p.uniqueGuid,
        bootable: (p.attributes & 4n) !== 0n,
        ...attributes ? { attributes } : {},
        ...p.hybridType !== void 0 ? { hybridMbrType: formatDosType(p.hybridType) } : {}
      };
    })
  };
  return { writes, info };
}
async function writePartitionTable(imagePath, table2) {
  let fh;
  try {
    fh = await open(imagePath, "r+");
  } catch (e) {
    throw buildError(`cannot open image ${imagePath} to write the partition table: ${e.message}`, e);
  }
  try {
    const { size } = await fh.stat();
    const end = Math.max(0, ...table2.writes.map((w) => w.offset + w.data.length));
    if (size < end) {
      throw buildError(`image ${imagePath} is ${size} bytes, too small for its partition table (needs ${end} bytes)`);
    }
    if (table2.info.type === "gpt" && size !== end) {
      throw buildError(`image ${imagePath} is ${size} bytes but its GPT was built for a ${end}-byte disk`);
    }
    for (const w of table2.writes) {
      let done = 0;
      while (done < w.data.length) {
        const { bytesWritten } = await fh.write(w.data, done, w.data.length - done, w.offset + done);
        if (bytesWritten <= 0) throw buildError(`short write to ${imagePath} at byte ${w.offset + done}`);
        done += bytesWritten;
      }
    }
  } catch (e) {
    if (e instanceof ImgsmithError) throw e;
    throw buildError(`cannot write the partition table to ${imagePath}: ${e.message}`, e);
  } finally {
    await fh.close();
  }
}

// src/progress.ts
var noopPhase = { update() {
}, end() {
} };
var silentProgress = {
  phase: () => noopPhase,
  event: () => {
  }
};

// src/outputs/package.ts
import fsp15, { open as open2, rm } from "node:fs/promises";
import path25 from "node:path";

// src/outputs/bmap.ts
import { createHash as createHash6 } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path22 from "node:path";
var BMAP_BLOCK_SIZE = 4096;
var BMAP_VERSION = "2.0";
var CHECKSUM_TYPE = "sha256";
var CHECKSUM_LEN = 64;
function pyFixed1(x) {
  const x10 = x * 10;
  if (Number.isInteger(x * 4) && !Number.isInteger(x * 2) && Number.isInteger(x10 - 0.5)) {
    const lo = x10 - 0.5;
    const n2 = lo % 2 === 0 ? lo : lo + 1;
    return (n2 / 10).toFixed(1);
  }
  return x.toFixed(1);
}
function humanSize(size) {
  if (size === 1) return "1 byte";
  if (size < 512) return `${Math.trunc(size)} bytes`;
  let s = size;
  for (const unit of ["KiB", "MiB", "GiB", "TiB"]) {
    s /= 1024;
    if (s < 1024) return `${pyFixed1(s)} ${unit}`;
  }
  return `${pyFixed1(s)} EiB`;
}
function toBlockRanges(ranges, imageSize, blockSize = BMAP_BLOCK_SIZE) {
  const sorted = ranges.map((r) => ({ start: Math.max(0, r.start), end: Math.min(imageSize, r.end) })).filter((r) => r.end > r.start).sort((a2, b) => a2.start - b.start);
  const out = [];
  for (const r of sorted) {
    const first = Math.floor(r.start / blockSize);
    const last = Math.floor((r.end - 1) / blockSize);
    const prev = out[out.length - 1];
    if (prev && first <= prev.last + 1) prev.last = Math.max(prev.last, last);
    else out.push({ first, last });
  }
  return out;
}
function overwrite(text, pos, value) {
  return text.slice(0, pos) + value + text.slice(pos + value.length);
}
function renderBmap(imageSize, ranges, blockSize = BMAP_BLOCK_SIZE) {
  if (imageSize <= 0) throw buildError("cannot create a bmap for an empty image");
  const blocksCount = Math.ceil(imageSize / blockSize);
  const imageHuman = humanSize(imageSize);
  let mapped = 0;
  for (const r of ranges) mapped += r.last - r.first + 1;
  let xml = `<?xml version="1.0" ?>
<!-- This file contains the block map for an image file, which is basically
     a list of useful (mapped) block numbers in the image file. In other words,
     it lists only those blocks which contain data (boot sector, partition
     table, file-system metadata, files, directories, extents, etc). These
     blocks have to be copied to the target device. The other blocks do not
     contain any useful data and do not have to be copied to the target
     device.

     The block map an optimization which allows to copy or flash the image to
     the image quicker than copying of flashing the entire image. This is
     because with bmap less data is copied: <MappedBlocksCount> blocks instead
     of <BlocksCount> blocks.

     Besides the machine-readable data, this file contains useful commentaries
     which contain human-readable information like image size, percentage of
     mapped data, etc.

     The 'version' attribute is the block map file format version in the
     'major.minor' format. The version major number is increased whenever an
     incompatible block map format change is made. The minor number changes
     in case of minor backward-compatible changes. -->

<bmap version="${BMAP_VERSION}">
    <!-- Image size in bytes: ${imageHuman} -->
    <ImageSize> ${imageSize} </ImageSize>

    <!-- Size of a block in bytes -->
    <BlockSize> ${blockSize} </BlockSize>

    <!-- Count of blocks in the image file -->
    <BlocksCount> ${blocksCount} </BlocksCount>

    <!-- Count of mapped blocks: `;
  const countPos1 = xml.length;
  xml += `${" ".repeat(imageHuman.length)} or ${" ".repeat("100.0%".length)}   -->
`;
  xml += "    <MappedBlocksCount> ";
  const countPos2 = xml.length;
  xml += `${" ".repeat(String(blocksCount).length)} </MappedBlocksCount>

`;
  xml += "    <!-- Type of checksum used in this file -->\n";
  xml += `    <ChecksumType> ${CHECKSUM_TYPE} </ChecksumType>

`;
  xml += "    <!-- The checksum of this bmap file. When it is calculated, the value of\n";
  xml += '         the checksum has be zero (all ASCII "0" symbols).  -->\n';
  xml += "    <BmapFileChecksum> ";
  const checksumPos = xml.length;
  xml += "0".repeat(CHECKSUM_LEN) + " </BmapFileChecksum>\n\n";
  xml += "    <!-- The block map which consists of elements which may either be a\n";
  xml += "         range of blocks or a single block. The 'chksum' attribute\n";
  xml += "         (if present) is the checksum of this blocks range. -->\n";
  xml += "    <BlockMap>\n";
  for (const r of ranges) {
    const span = r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`;
    xml += `        <Range chksum="${r.sha256}"> ${span} </Range>
`;
  }
  xml += "    </BlockMap>\n";
  xml += "</bmap>\n";
  const mappedHuman = humanSize(mapped * blockSize);
  const percent = pyFixed1(mapped * 100 / blocksCount);
  xml = overwrite(xml, countPos1, `${mappedHuman} or ${percent}%`);
  xml = overwrite(xml, countPos2, String(mapped));
  const bmapFileChecksum = createHash6("sha256").update(xml, "utf8").digest("hex");
  xml = overwrite(xml, checksumPos, bmapFileChecksum);
  return { xml, info: { imageSize, blockSize, blocksCount, mappedBlocksCount: mapped, bmapFileChecksum } };
}
var BmapRanges = class {
  constructor(blockSize = BMAP_BLOCK_SIZE) {
    this.blockSize = blockSize;
  }
  blockSize;
  done = [];
  cur;
  add(pos, bytes, mapped) {
    if (!mapped) {
      this.close();
      return;
    }
    if (this.cur?.end !== pos) {
      this.close();
      if (pos % this.blockSize !== 0) throw new RangeError(`bmap: a mapped range starts at ${pos}, inside a block`);
      this.cur = { first: pos / this.blockSize, end: pos, hash: createHash6("sha256") };
    }
    this.cur.hash.update(bytes);
    this.cur.end += bytes.length;
  }
  /** The ranges, once every byte was added. */
  finish() {
    this.close();
    return this.done;
  }
  close() {
    if (!this.cur) return;
    const { first, end, hash } = this.cur;
    this.done.push({ first, last: Math.ceil(end / this.blockSize) - 1, sha256: hash.digest("hex") });
    this.cur = void 0;
  }
};
async function writeBmap(bmapPath, imageSize, ranges) {
  const { xml, info } = renderBmap(imageSize, ranges);
  try {
    await writeFile(bmapPath, xml);
  } catch (err) {
    throw buildError(`cannot write ${bmapPath}: ${err.message}`, err);
  }
  return { ...info, sha256: createHash6("sha256").update(xml, "utf8").digest("hex") };
}
var bmapOutput = {
  name: "bmap",
  enabled: (plan) => plan.bmap,
  pass: (plan, tmp) => ({ bmap: path22.join(tmp, `${plan.base}.bmap`) }),
  async make({ pass, rel, base, outDir, tmp }) {
    if (!pass.bmap) throw new Error("internal error: the bmap output without a bmap");
    const file = rel(`${base}.bmap`);
    const { sha256, blockSize, blocksCount, mappedBlocksCount } = pass.bmap;
    return {
      output: "bmap",
      files: [[path22.join(tmp, `${base}.bmap`), file]],
      manifest: { image: { bmap: { file, sha256, blockSize, blocksCount, mappedBlocksCount } } },
      listed: [path22.join(outDir, file)],
      paths: { bmapPath: path22.join(outDir, file) }
    };
  }
};

// src/outputs/hash-worker.ts
import { Worker } from "node:worker_threads";
var WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let hash = createHash('sha256');
const zeros = Buffer.alloc(1 << 20);
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    hash.update(new Uint8Array(m.sab, m.offset, m.length));
  } else if (m.op === 'zeros') {
    for (let left = m.length; left > 0; left -= zeros.length) hash.update(left >= zeros.length ? zeros : zeros.subarray(0, left));
  } else if (m.op === 'digest') {
    parentPort.postMessage({ id: m.id, digest: hash.digest('hex') });
    hash = createHash('sha256');
    return;
  }
  parentPort.postMessage({ id: m.id });
});
`;
function sharedBuffer(size) {
  return Buffer.from(new SharedArrayBuffer(size));
}
var HashWorker = class {
  worker;
  next = 0;
  waiting = /* @__PURE__ */ new Map();
  failure;
  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 16 } });
    this.worker.on("message", (m) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      w?.resolve(m.digest);
    });
    const fail = (err) => {
      this.failure ??= err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`the hashing thread exited (${code})`)));
  }
  send(msg) {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.next++;
    return new Promise((resolve2, reject) => {
      this.waiting.set(id, { resolve: resolve2, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }
  /** Hashes `bytes`; they must be a view of a SharedArrayBuffer (see sharedBuffer). */
  update(bytes) {
    if (!(bytes.buffer instanceof SharedArrayBuffer)) throw new TypeError("HashWorker.update needs a SharedArrayBuffer view");
    return this.send({ op: "update", sab: bytes.buffer, offset: bytes.byteOffset, length: bytes.length });
  }
  /** Hashes `length` zero bytes (from the worker's own zero buffer). */
  zeros(length) {
    return this.send({ op: "zeros", length });
  }
  /** The hex digest of everything hashed so far (and a fresh start). */
  async digest() {
    return await this.send({ op: "digest" });
  }
  async close() {
    this.worker.removeAllListeners("exit");
    await this.worker.terminate();
  }
};

// src/outputs/scan.ts
var SCAN_BLOCK = BMAP_BLOCK_SIZE;
var SCAN_CHUNK = 2 * 1024 * 1024;
var ZEROS = Buffer.alloc(SCAN_CHUNK);
function* pieces(size, data) {
  const split = function* (start, end, kind) {
    for (let pos = start; pos < end; ) {
      const len = Math.min(end - pos, SCAN_CHUNK - pos % SCAN_CHUNK);
      yield { pos, len, kind };
      pos += len;
    }
  };
  if (data === null) {
    yield* split(0, size, "scan");
    return;
  }
  let prev = 0;
  for (const r of data) {
    if (r.start > prev) yield { pos: prev, len: r.start - prev, kind: "hole" };
    yield* split(r.start, r.end, "scan");
    prev = r.end;
  }
  if (size > prev) yield { pos: prev, len: size - prev, kind: "hole" };
}
function* scanRuns(buf, pos, len) {
  if (buf.compare(ZEROS, 0, len, 0, len) === 0) {
    yield { pos, len, bytes: buf.subarray(0, len), mapped: false };
    return;
  }
  let runStart = 0;
  let runMapped;
  for (let i2 = 0; i2 < len; i2 += SCAN_BLOCK) {
    const end = Math.min(len, i2 + SCAN_BLOCK);
    const mapped = buf.compare(ZEROS, 0, end - i2, i2, end) !== 0;
    if (runMapped !== void 0 && mapped !== runMapped) {
      yield { pos: pos + runStart, len: i2 - runStart, bytes: buf.subarray(runStart, i2), mapped: runMapped };
      runStart = i2;
    }
    runMapped = mapped;
  }
  yield { pos: pos + runStart, len: len - runStart, bytes: buf.subarray(runStart, len), mapped: runMapped };
}
async function scanImage(fd, size, onSegment, opts2 = {}) {
  const seek = await extentRanges(fd, 0, size, opts2);
  const data = seek === null ? null : toBlockRanges(seek, size, SCAN_BLOCK).map((b) => ({ start: b.first * SCAN_BLOCK, end: Math.min(size, (b.last + 1) * SCAN_BLOCK) }));
  const buffers = [sharedBuffer(SCAN_CHUNK), sharedBuffer(SCAN_CHUNK)];
  let turn = 0;
  const load2 = async (p) => {
    if (p.kind === "hole") return { p };
    const buf = buffers[turn];
    turn ^= 1;
    if (await readFull(fd, buf, p.len, p.pos) < p.len) {
      throw buildError(`the image changed while it was being read: it ends before byte ${p.pos + p.len}`);
    }
    return { p, buf };
  };
  const it = pieces(size, data);
  const loadNext = () => {
    const step = it.next();
    if (step.done) return void 0;
    const pr = load2(step.value);
    pr.catch(() => void 0);
    return pr;
  };
  let next = loadNext();
  try {
    while (next) {
      const { p, buf } = await next;
      next = loadNext();
      if (p.kind === "hole") await onSegment({ pos: p.pos, len: p.len, mapped: false, zero: true });
      else for (const seg of scanRuns(buf, p.pos, p.len)) await onSegment(seg);
    }
  } finally {
    await next?.catch(() => void 0);
  }
  return { native: data !== null };
}

// src/outputs/chunked.ts
import { spawn as spawn2 } from "node:child_process";
import { createHash as createHash7 } from "node:crypto";
import fs2 from "node:fs";
import fsp14 from "node:fs/promises";
import os4 from "node:os";
import path24 from "node:path";
import { pipeline } from "node:stream/promises";

// src/outputs/compress.ts
import path23 from "node:path";
var MAX_ZSTD_LEVEL = 22;
var zstdOutput = {
  name: "zstd",
  enabled: (plan) => plan.compress,
  tools: () => ["zstd"],
  pass: (plan, tmp) => ({ zstd: { out: path23.join(tmp, `${plan.base}.img.zst`), level: plan.spec.output.zstdLevel } }),
  async make({ pass, rel, base, outDir, spec, tmp }) {
    if (!pass.compressed) throw new Error("internal error: the zstd output without a compressed image");
    const file = rel(`${base}.img.zst`);
    const tmpPath = path23.join(tmp, `${base}.img.zst`);
    return {
      output: "zstd",
      files: [[tmpPath, file]],
      checksums: [[tmpPath, file, pass.compressed.sha256]],
      manifest: { image: { compressed: { file, ...pass.compressed, compressor: "zstd", level: spec.output.zstdLevel } } },
      hydra: [["sd-image", file]],
      listed: [path23.join(outDir, file)],
      paths: { compressedPath: path23.join(outDir, file) }
    };
  }
};

// src/outputs/chunked.ts
var ZSTD_CHUNK = 16 * 1024 * 1024;
var QUIET = 16 * 1024 * 1024;
var LAG = 2;
var ATTEMPTS = 2;
var LOOK_EVERY = 2 * 1024 * 1024;
var BULK = 1024 * 1024;
var READ = 1024 * 1024;
var ZERO_PROBE = 64 * 1024;
var ZEROS2 = Buffer.alloc(READ);
var ZERO_BATCH = 4 * 1024 * 1024;
var zeroFrames = /* @__PURE__ */ new Map();
var STDERR_KEEP = 2048;
var MAX32 = 4294967295;
function chunkZstdArgs(level, len) {
  if (!Number.isInteger(level) || level < 1 || level > MAX_ZSTD_LEVEL) {
    throw usageError(`zstd level ${level} is invalid: use an integer from 1 to ${MAX_ZSTD_LEVEL}`);
  }
  return [...level > 19 ? ["--ultra"] : [], `-${level}`, "--single-thread", "-q", "--no-progress", "-c", `--stream-size=${len}`];
}
var ChunkedZstd = class {
  constructor(img, size, opts2) {
    this.img = img;
    this.size = size;
    this.opts = opts2;
    chunkZstdArgs(opts2.level, 1);
    for (let start = 0; start < size; start += ZSTD_CHUNK) {
      this.chunks.push({ start, len: Math.min(ZSTD_CHUNK, size - start), gen: 0, written: false, tracked: false, frameGen: -1, busy: false, lastWritten: -1, attempts: 0, zero: false });
    }
  }
  img;
  size;
  opts;
  chunks = [];
  inflight = /* @__PURE__ */ new Set();
  tracking = 0;
  failed;
  aborted = false;
  /** libzstd.so.1 could not be loaded by the addon: use the CLI. */
  noLib = false;
  /** Chunks compressed early that stayed valid / had to be redone (for the report). */
  stats = { early: 0, redone: 0, zero: 0 };
  /** The image opened for zero checks (closed by finish() and abort()). */
  imgFh;
  frame(i2) {
    return path24.join(this.opts.workDir, `frame-${String(i2).padStart(6, "0")}.zst`);
  }
  /**
   * Follows a shim write log (pairs of little-endian uint64 offset, length) while a tool
   * writes [start, end) of the image, compressing chunks it is done with, one at a time.
   * Resolves when the log closes. Chunks not wholly inside [start, end) are left alone.
   */
  async track(log2, start, end) {
    const first = Math.ceil(start / ZSTD_CHUNK);
    const last = Math.floor(end / ZSTD_CHUNK) - 1;
    const lastFull = end >= this.size ? this.chunks.length - 1 : last;
    for (let i2 = first; i2 <= lastFull; i2++) this.chunks[i2].tracked = true;
    this.tracking++;
    let records = 0;
    let written = 0;
    let nextLook = LOOK_EVERY;
    let complete = false;
    let pending2 = Buffer.alloc(0);
    const onRecord = (buf, p) => {
      records++;
      const oLo = buf.readUInt32LE(p), oHi = buf.readUInt32LE(p + 4), lLo = buf.readUInt32LE(p + 8), lHi = buf.readUInt32LE(p + 12);
      if (oLo === MAX32 && oHi === MAX32 && lLo === MAX32 && lHi === MAX32) {
        complete = true;
        return;
      }
      const o2 = oHi * 2 ** 32 + oLo;
      const e = Math.min(Number.MAX_SAFE_INTEGER, o2 + lHi * 2 ** 32 + lLo);
      const a2 = Math.floor(o2 / ZSTD_CHUNK);
      const b = Math.min(this.chunks.length - 1, Math.floor(Math.max(o2, e - 1) / ZSTD_CHUNK));
      const data = e - o2 <= BULK;
      for (let i2 = a2; i2 <= b; i2++) {
        const c3 = this.chunks[i2];
        c3.gen++;
        c3.lastWritten = written;
        if (data) c3.written = true;
      }
      if (data) written += e - o2;
      if (data && written >= nextLook) {
        nextLook = written + LOOK_EVERY;
        this.speculate(first, a2 - LAG, written - QUIET);
      }
    };
    try {
      for await (const data of log2) {
        const buf = pending2.length ? Buffer.concat([pending2, data]) : data;
        const whole = buf.length - buf.length % 16;
        for (let p = 0; p < whole; p += 16) onRecord(buf, p);
        pending2 = buf.subarray(whole);
      }
    } finally {
      this.tracking--;
    }
    if (!complete) {
      for (let i2 = first; i2 <= lastFull; i2++) this.chunks[i2].gen++;
    }
    return { complete, records };
  }
  /** Forgets every frame of a chunk that overlaps [start, end): they are compressed again. */
  invalidate(start, end) {
    const a2 = Math.floor(start / ZSTD_CHUNK);
    const b = Math.min(this.chunks.length - 1, Math.floor((end - 1) / ZSTD_CHUNK));
    for (let i2 = a2; i2 <= b; i2++) this.chunks[i2].gen++;
  }
  /** Starts compressing the lowest chunk below `upTo` that the tool wrote and then left
   *  alone (nothing written to it since `quietSince` bytes), when nothing is running. */
  speculate(from, upTo, quietSince) {
    if (this.inflight.size > 0 || this.failed || this.aborted) return;
    for (let i2 = from; i2 < upTo && i2 < this.chunks.length; i2++) {
      const c3 = this.chunks[i2];
      if (!c3.tracked || !c3.written || c3.busy || c3.frameGen === c3.gen || c3.attempts >= ATTEMPTS || c3.lastWritten > quietSince) continue;
      c3.attempts++;
      this.start(i2, true);
      return;
    }
  }
  start(i2, early) {
    const c3 = this.chunks[i2];
    c3.busy = true;
    const gen = c3.gen;
    const p = this.compress(i2).then(
      (zero) => {
        c3.busy = false;
        if (c3.gen === gen) {
          c3.frameGen = gen;
          c3.zero = zero;
          if (early) this.stats.early++;
        } else if (early) {
          this.stats.redone++;
        }
      },
      (err) => {
        c3.busy = false;
        this.failed ??= err;
      }
    );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    return p;
  }
  /** Makes chunk i's frame: true when the chunk is all zeros (its frame is the zero frame,
   *  see zeroFrame), else its frame file is written (replacing an older one). */
  async compress(i2) {
    const c3 = this.chunks[i2];
    if (await this.allZero(c3.start, c3.len)) {
      await this.zeroFrame(c3.len);
      return true;
    }
    await this.compressRange(this.img, c3.start, c3.len, this.frame(i2));
    return false;
  }
  /** Whether bytes [start, start+len) of the image are zeros: reads only its data ranges,
   *  each up to its first non-zero byte. */
  async allZero(start, len) {
    const fh = await (this.imgFh ??= fsp14.open(this.img, "r"));
    const ranges = await seekRanges(fh.fd, start, start + len, this.opts.native === false ? { native: false } : {}) ?? [{ start, end: start + len }];
    const buf = Buffer.allocUnsafe(READ);
    let want = ZERO_PROBE;
    for (const r of ranges) {
      for (let pos = r.start; pos < r.end && !this.aborted; ) {
        const n2 = Math.min(want, r.end - pos);
        const { bytesRead } = await fh.read(buf, 0, n2, pos);
        if (bytesRead === 0) throw buildError(`the image ${this.img} ends before byte ${pos}`);
        if (buf.compare(ZEROS2, 0, bytesRead, 0, bytesRead) !== 0) return false;
        pos += bytesRead;
        want = READ;
      }
    }
    return true;
  }
  /** The frame of `len` zero bytes at this level: the compressor run once on /dev/zero. */
  zeroFrame(len) {
    const key = `${this.opts.level}:${len}`;
    let p = zeroFrames.get(key);
    if (!p) {
      const out = path24.join(this.opts.workDir, `zero-${len}.zst`);
      p = (async () => {
        await this.compressRange("/dev/zero", 0, len, out);
        try {
          return await fsp14.readFile(out);
        } finally {
          await fsp14.rm(out, { force: true });
        }
      })();
      p.catch(() => zeroFrames.delete(key));
      zeroFrames.set(key, p);
    }
    return p;
  }
  /** Compresses bytes [start, start+len) of `src` into one frame in `out`: libzstd in the
   *  addon (no copies, no process), else the zstd CLI fed through a pipe. Same bytes. */
  async compressRange(src, start, len, out) {
    const native = this.opts.native === false ? null : loadNative();
    if (native?.zstdChunk && !this.noLib) {
      try {
        await this.compressNative(src, start, len, out, native.zstdChunk.bind(native));
        return;
      } catch (err) {
        if (err.code !== "ENOZSTD") throw err;
        this.noLib = true;
      }
    }
    await this.compressCli(src, start, len, out);
  }
  async compressNative(img, start, len, out, zstdChunk) {
    const c3 = { start, len };
    const src = await fsp14.open(img, "r");
    try {
      const dst = await fsp14.open(out, "w");
      try {
        await new Promise(
          (resolve2, reject) => zstdChunk(src.fd, c3.start, c3.len, dst.fd, this.opts.level, (err, n2) => err ? reject(err) : resolve2(n2))
        );
      } finally {
        await dst.close();
      }
    } catch (err) {
      if (err.code === "ENOZSTD") throw err;
      throw buildError(`zstd failed to compress ${img} (bytes ${c3.start}-${c3.start + c3.len - 1}): ${err.message}`, err);
    } finally {
      await src.close();
    }
  }
  async compressCli(img, start, len, out) {
    const c3 = { start, len };
    const child = spawn2("zstd", chunkZstdArgs(this.opts.level, c3.len), { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (s) => {
      if (stderr.length < STDERR_KEEP) stderr += s;
    });
    const exited = new Promise((resolve2) => {
      child.once("error", (error) => resolve2({ code: null, signal: null, error }));
      child.once("close", (code, signal) => resolve2({ code, signal }));
    });
    const sink = fs2.createWriteStream(out);
    const written = new Promise((resolve2, reject) => {
      sink.once("error", reject);
      sink.once("finish", resolve2);
    });
    child.stdout.pipe(sink);
    const feed = (async () => {
      const fh = await fsp14.open(img, "r");
      const aborted2 = () => this.aborted;
      try {
        async function* bytes() {
          for (let pos = 0; pos < c3.len && !aborted2(); ) {
            const buf = Buffer.allocUnsafe(Math.min(READ, c3.len - pos));
            const { bytesRead } = await fh.read(buf, 0, buf.length, c3.start + pos);
            if (bytesRead === 0) throw buildError(`the image ${img} ends before byte ${c3.start + pos}`);
            pos += bytesRead;
            yield buf.subarray(0, bytesRead);
          }
        }
        await pipeline(bytes, child.stdin);
      } finally {
        await fh.close();
      }
    })();
    const [fed, exit] = await Promise.all([feed.then(() => void 0, (e) => e), exited]);
    const wrote = await written.then(() => void 0, (e) => e);
    let problem;
    if (exit.error?.code === "ENOENT") problem = 'zstd was not found: install it (Debian package "zstd")';
    else if (exit.error) problem = `cannot run zstd: ${exit.error.message}`;
    else if (this.aborted) problem = "zstd was stopped";
    else if (fed) problem = fed.message;
    else if (wrote) problem = `cannot write ${out}: ${wrote.message}`;
    else if (exit.code !== 0) problem = stderr.trim().split("\n")[0]?.trim() || `zstd exited with status ${exit.code ?? exit.signal}`;
    if (problem !== void 0) throw toolFailed("zstd", `zstd failed to compress ${img} (bytes ${c3.start}-${c3.start + c3.len - 1}): ${problem}`, exit.error ?? fed ?? wrote);
  }
  /**
   * Once every writer of the image is done (and every track() returned): compresses the
   * chunks without a valid frame, `parallel` at a time, and writes the frames in order
   * to `out` as they become final. Returns its size and SHA-256.
   */
  async finish(out, onProgress) {
    if (this.tracking > 0) throw new Error("ChunkedZstd.finish() while a log is still tracked");
    await Promise.all([...this.inflight]);
    if (this.failed) throw this.failed;
    const parallel = Math.max(1, this.opts.parallel ?? os4.availableParallelism());
    try {
      await this.markHoles();
    } catch (err) {
      await this.closeImage();
      throw err;
    }
    const todo = this.chunks.map((c3, i2) => c3.frameGen === c3.gen ? -1 : i2).filter((i2) => i2 >= 0);
    const ready = this.chunks.map(() => Promise.resolve());
    const resolvers = /* @__PURE__ */ new Map();
    for (const i2 of todo) ready[i2] = new Promise((r) => resolvers.set(i2, r));
    let next = 0;
    const workers = Array.from({ length: Math.min(parallel, todo.length) }, async () => {
      while (next < todo.length && !this.failed && !this.aborted) {
        const i2 = todo[next++];
        await this.start(i2, false);
        resolvers.get(i2)();
      }
    });
    const all = Promise.all(workers).finally(() => {
      for (const r of resolvers.values()) r();
    });
    const hash = createHash7("sha256");
    let size = 0;
    const fh = await fsp14.open(out, "w");
    const batch = [];
    let batched = 0;
    const flush = async () => {
      if (batched === 0) return;
      await fh.write(batch.length === 1 ? batch[0] : Buffer.concat(batch, batched));
      batch.length = 0;
      batched = 0;
    };
    try {
      const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
      for (let i2 = 0; i2 < this.chunks.length; i2++) {
        await ready[i2];
        if (this.failed) throw this.failed;
        const c3 = this.chunks[i2];
        if (c3.zero) {
          const frame = await this.zeroFrame(c3.len);
          hash.update(frame);
          batch.push(frame);
          batched += frame.length;
          size += frame.length;
          if (batched >= ZERO_BATCH) await flush();
          onProgress?.(c3.start + c3.len, this.size);
          continue;
        }
        await flush();
        const src = await fsp14.open(this.frame(i2), "r");
        try {
          for (; ; ) {
            const { bytesRead } = await src.read(buf, 0, buf.length, null);
            if (bytesRead === 0) break;
            hash.update(buf.subarray(0, bytesRead));
            await fh.write(buf, 0, bytesRead);
            size += bytesRead;
          }
        } finally {
          await src.close();
        }
        await fsp14.rm(this.frame(i2), { force: true });
        onProgress?.(c3.start + c3.len, this.size);
      }
      await flush();
      await all;
    } catch (err) {
      this.aborted = true;
      await Promise.allSettled([all, ...this.inflight]);
      await fh.close().catch(() => void 0);
      await fsp14.rm(out, { force: true });
      await this.closeImage();
      throw err;
    }
    await fh.close();
    await this.closeImage();
    this.stats.zero = this.chunks.filter((c3) => c3.zero).length;
    return { size, sha256: hash.digest("hex"), frames: this.chunks.length, ...this.stats };
  }
  /** Every chunk without a valid frame and without data (SEEK_DATA/SEEK_HOLE over the whole
   *  image, nothing read) gets the zero frame now; the writers are done. */
  async markHoles() {
    if (!this.chunks.some((c3) => c3.frameGen !== c3.gen)) return;
    const fh = await (this.imgFh ??= fsp14.open(this.img, "r"));
    const data = await seekRanges(fh.fd, 0, this.size, this.opts.native === false ? { native: false } : {});
    if (data === null) return;
    let r = 0;
    for (const c3 of this.chunks) {
      while (r < data.length && data[r].end <= c3.start) r++;
      const hasData = r < data.length && data[r].start < c3.start + c3.len;
      if (hasData || c3.frameGen === c3.gen) continue;
      await this.zeroFrame(c3.len);
      c3.frameGen = c3.gen;
      c3.zero = true;
    }
  }
  async closeImage() {
    const p = this.imgFh;
    this.imgFh = void 0;
    await (await p?.catch(() => void 0))?.close().catch(() => void 0);
  }
  /** Stops everything (the build failed); frames are left for the caller's temp dir removal. */
  async abort() {
    this.aborted = true;
    await Promise.allSettled([...this.inflight]);
    await this.closeImage();
  }
};

// src/outputs/package.ts
var SLICE = 256 * 1024;
var ZERO_SLICE = 256 * 1024 * 1024;
var PROGRESS_POLL_MS = 200;
var EMPTY = Buffer.alloc(0);
var yieldToLoop = () => new Promise((resolve2) => setImmediate(resolve2));
async function packageImage(img, opts2 = {}) {
  let fh;
  try {
    fh = await open2(img, "r");
  } catch (err) {
    throw buildError(`cannot read ${img} to package it: ${err.message}`, err);
  }
  let zstd;
  let zstdResult;
  let framesDir;
  let timer;
  let hasher;
  try {
    const size = (await fh.stat()).size;
    let zstdDone = 0;
    if (opts2.zstd) {
      zstd = opts2.zstd.early;
      chunkZstdArgs(opts2.zstd.level, 1);
      try {
        await (await open2(opts2.zstd.out, "w")).close();
      } catch (err) {
        throw toolFailed("zstd", `zstd failed to compress ${img}: cannot write ${opts2.zstd.out}: ${err.message}`, err);
      }
      if (!zstd) {
        framesDir = await fsp15.mkdtemp(path25.join(path25.dirname(opts2.zstd.out), ".zstd-frames-"));
        zstd = new ChunkedZstd(img, size, { level: opts2.zstd.level, workDir: framesDir });
      }
      zstdResult = zstd.finish(opts2.zstd.out, (d) => zstdDone = d);
    }
    let zstdFailed = false;
    zstdResult?.catch(() => zstdFailed = true);
    let scanned = 0;
    const onProgress = opts2.onProgress;
    if (onProgress) {
      timer = setInterval(() => onProgress(Math.min(scanned, zstd ? zstdDone : scanned), size), PROGRESS_POLL_MS);
    }
    const imageHash = opts2.sha256 === false ? void 0 : hasher = new HashWorker();
    const bmap = opts2.bmap !== void 0 ? new BmapRanges() : void 0;
    await scanImage(
      fh.fd,
      size,
      async (seg) => {
        if (zstdFailed) await zstdResult;
        if (!seg.bytes) {
          bmap?.add(seg.pos, EMPTY, false);
          for (let off2 = 0; imageHash && off2 < seg.len; off2 += ZERO_SLICE) {
            await imageHash.zeros(Math.min(ZERO_SLICE, seg.len - off2));
            scanned = seg.pos + off2;
            if (zstdFailed) await zstdResult;
          }
          scanned = seg.pos + seg.len;
          return;
        }
        const hashed = imageHash?.update(seg.bytes);
        for (let off2 = 0; off2 < seg.bytes.length; off2 += SLICE) {
          const part = seg.bytes.subarray(off2, off2 + SLICE);
          bmap?.add(seg.pos + off2, part, seg.mapped);
          if (zstd) await yieldToLoop();
        }
        await hashed;
        scanned = seg.pos + seg.len;
      },
      { ...opts2.native === void 0 ? {} : { native: opts2.native } }
    );
    const imageSha = await imageHash?.digest();
    const compressed = zstdResult ? await zstdResult : void 0;
    const bmapInfo = opts2.bmap !== void 0 ? await writeBmap(opts2.bmap, size, bmap.finish()) : void 0;
    clearInterval(timer);
    timer = void 0;
    onProgress?.(size, size);
    return {
      size,
      ...imageSha !== void 0 ? { sha256: imageSha } : {},
      ...bmapInfo ? { bmap: bmapInfo } : {},
      ...compressed ? { compressed: { size: compressed.size, sha256: compressed.sha256 }, zstdFrames: { frames: compressed.frames, early: compressed.early, redone: compressed.redone, zero: compressed.zero } } : {}
    };
  } catch (err) {
    await zstd?.abort();
    await zstdResult?.catch(() => void 0);
    if (opts2.zstd) await rm(opts2.zstd.out, { force: true });
    if (opts2.bmap !== void 0) await rm(opts2.bmap, { force: true });
    throw err instanceof ImgsmithError ? err : buildError(`cannot package ${img}: ${err.message}`, err);
  } finally {
    clearInterval(timer);
    timer = void 0;
    await hasher?.close();
    if (framesDir) await rm(framesDir, { recursive: true, force: true });
    await fh.close();
  }
}

// src/outputs/checksum.ts
import { createHash as createHash8 } from "node:crypto";
import { createReadStream as createReadStream2 } from "node:fs";
import { writeFile as writeFile2 } from "node:fs/promises";
import { basename } from "node:path";
async function sha256File(file) {
  const h2 = createHash8("sha256");
  for await (const chunk of createReadStream2(file, { highWaterMark: 4 * 1024 * 1024 })) h2.update(chunk);
  return h2.digest("hex");
}
function sha256sumLine(hex, name) {
  if (/[\\\n\r]/.test(name)) {
    const escaped = name.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
    return `\\${hex}  ${escaped}
`;
  }
  return `${hex}  ${name}
`;
}
async function writeSha256File(file, sha256, checksumPath = `${file}.sha256`) {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw buildError(`invalid SHA-256 for ${file}: ${sha256}`);
  try {
    await writeFile2(checksumPath, sha256sumLine(sha256, basename(file)));
  } catch (err) {
    throw buildError(`cannot write ${checksumPath}: ${err.message}`, err);
  }
  return checksumPath;
}

// src/outputs/image.ts
import path26 from "node:path";
var imageOutput = {
  name: "image",
  enabled: (plan) => !plan.compress || plan.keepRaw,
  pass: () => ({ sha256: true }),
  async make({ image, pass, rel, outDir, compress }) {
    const name = rel(image.name);
    if (pass.sha256 === void 0) throw new Error("internal error: the image output without the image hash");
    return {
      output: "image",
      files: [[image.path, name]],
      checksums: [[image.path, name, pass.sha256]],
      ...compress ? {} : { hydra: [["sd-image", name]] },
      listed: [path26.join(outDir, name)],
      paths: { imagePath: path26.join(outDir, name) }
    };
  }
};

// src/outputs/tar-product.ts
import path28 from "node:path";

// src/outputs/tar.ts
import { createReadStream as createReadStream3, createWriteStream as createWriteStream2, promises as fsp16 } from "node:fs";
import { createHash as createHash9 } from "node:crypto";
import { Transform as Transform2 } from "node:stream";
import { pipeline as pipeline2 } from "node:stream/promises";
import { once as once9 } from "node:events";
var import_tar_stream = __toESM(require_tar_stream(), 1);
var BLOCK2 = 512;
var USTAR_MAX_SIZE = 8589934591;
var USTAR_MAX_MTIME = 8589934591;
var S_IFREG = 32768;
var S_IFDIR = 16384;
var S_IFLNK = 40960;
var latin1 = (s) => Buffer.from(s, "latin1");
var isAscii = (b) => b.every((c3) => c3 < 128);
function ustarNameFits(name) {
  let rest = name;
  let prefix = "";
  while (rest.length > 100) {
    const i2 = rest.indexOf("/");
    if (i2 === -1) return false;
    prefix += prefix ? "/" + rest.slice(0, i2) : rest.slice(0, i2);
    rest = rest.slice(i2 + 1);
  }
  return rest.length <= 100 && prefix.length <= 155;
}
function paxRecord(key, value) {
  const body = Buffer.concat([Buffer.from(` ${key}=`, "latin1"), value, Buffer.from("\n")]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len), "latin1"), body]);
}
function octal(buf, off2, width, value) {
  buf.write(value.toString(8).padStart(width - 1, "0") + "\0", off2, width, "latin1");
}
function paxHeaderBlock(size, epoch) {
  const h2 = Buffer.alloc(BLOCK2);
  h2.write("PaxHeader", 0, 100, "latin1");
  octal(h2, 100, 8, 420);
  octal(h2, 108, 8, 0);
  octal(h2, 116, 8, 0);
  octal(h2, 124, 12, size);
  octal(h2, 136, 12, epoch);
  h2.fill(32, 148, 156);
  h2[156] = 120;
  h2.write("ustar\0", 257, 6, "latin1");
  h2.write("00", 263, 2, "latin1");
  octal(h2, 329, 8, 0);
  octal(h2, 337, 8, 0);
  let sum = 0;
  for (const c3 of h2) sum += c3;
  h2.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "latin1");
  return h2;
}
function standIn(name, isDir) {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_");
  const full = isDir && !ascii.endsWith("/") ? ascii + "/" : ascii;
  if (ustarNameFits(full)) return ascii;
  const base = ascii.replace(/\/$/, "").split("/").pop() || "_";
  return base.slice(-(isDir ? 99 : 100));
}
function planHeader(name, isDir, linkname, size, epoch) {
  const nameBytes = latin1(name);
  const fullName = isDir && !name.endsWith("/") ? name + "/" : name;
  const nameOk = isAscii(nameBytes) && ustarNameFits(fullName);
  const linkBytes = linkname === void 0 ? void 0 : latin1(linkname);
  const linkOk = linkBytes === void 0 || isAscii(linkBytes) && linkBytes.length <= 100;
  const sizeOk = size <= USTAR_MAX_SIZE;
  if (nameOk && linkOk && sizeOk) return { name, ...linkname !== void 0 ? { linkname } : {} };
  const records = [];
  if (!linkOk) records.push(paxRecord("linkpath", linkBytes));
  if (!nameOk) records.push(paxRecord("path", latin1(fullName)));
  if (!sizeOk) records.push(paxRecord("size", Buffer.from(String(size))));
  const body = Buffer.concat(records);
  const pad = (BLOCK2 - body.length % BLOCK2) % BLOCK2;
  const pax = Buffer.concat([paxHeaderBlock(body.length, epoch), body, Buffer.alloc(pad)]);
  return {
    pax,
    name: nameOk ? name : standIn(name, isDir),
    ...linkname !== void 0 ? { linkname: linkOk ? linkname : linkname.replace(/[^\x20-\x7e]/g, "_").slice(0, 100) } : {}
  };
}
var sortKey = (p) => latin1(p === "/" ? "" : p.replaceAll("/", "\0"));
function archiveName(p, root) {
  if (p === "/") return root === "" ? void 0 : root;
  return root + p.slice(1);
}
var Counting = class extends Transform2 {
  hash = createHash9("sha256");
  bytes = 0;
  constructor() {
    super({ highWaterMark: 1 << 20 });
  }
  _transform(chunk, _enc, cb) {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
};
async function writeTar(entries, out, epoch, opts2 = {}) {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > USTAR_MAX_MTIME) throw usageError(`the build epoch ${epoch} cannot be stored in a tar header`);
  const root = opts2.root ?? "./";
  const level = out.compress?.level;
  if (level !== void 0 && (!Number.isInteger(level) || level < 1 || level > 19)) {
    throw usageError(`zstd level ${level} is invalid: use an integer from 1 to 19`);
  }
  const pack = (0, import_tar_stream.pack)();
  const mtime = new Date(epoch * 1e3);
  let child;
  let sink;
  if (level !== void 0) {
    child = spawnZstd(level, out.path);
    child.catch(() => void 0);
    sink = child.stdin;
  } else {
    sink = createWriteStream2(out.path, { highWaterMark: 1 << 20 });
  }
  const counting = new Counting();
  const piped = pipeline2(pack, counting, sink);
  piped.catch(() => void 0);
  let count2 = 0;
  let contentBytes = 0;
  try {
    const firstOf = /* @__PURE__ */ new Map();
    let prevKey;
    let prevPath = "";
    for await (const e of entries) {
      const key = sortKey(e.path);
      if (prevKey && Buffer.compare(prevKey, key) >= 0) {
        throw buildError(`internal error: tar entries out of order: ${JSON.stringify(latin1(e.path).toString("utf8"))} after ${JSON.stringify(latin1(prevPath).toString("utf8"))}`);
      }
      prevKey = key;
      prevPath = e.path;
      const name = archiveName(e.path, root);
      if (name === void 0) continue;
      const perm = e.mode & 4095;
      let header;
      let body = "none";
      if (e.kind === "dir") {
        const h2 = planHeader(name, true, void 0, 0, epoch);
        if (h2.pax) pack.push(h2.pax);
        header = { name: h2.name, type: "directory", mode: S_IFDIR | perm, size: 0 };
      } else if (e.kind === "symlink") {
        if (e.target === void 0 || e.target === "") throw buildError(`the symlink ${latin1(e.path).toString("utf8")} has no target`);
        const h2 = planHeader(name, false, e.target, 0, epoch);
        if (h2.pax) pack.push(h2.pax);
        header = { name: h2.name, type: "symlink", mode: S_IFLNK | 511, linkname: h2.linkname, size: 0 };
      } else {
        const first = e.linkKey === void 0 ? void 0 : firstOf.get(e.linkKey);
        if (first !== void 0) {
          const h2 = planHeader(name, false, first, 0, epoch);
          if (h2.pax) pack.push(h2.pax);
          header = { name: h2.name, type: "link", mode: S_IFREG | perm, linkname: h2.linkname, size: 0 };
        } else {
          if (e.linkKey !== void 0) firstOf.set(e.linkKey, name);
          const size2 = e.data ? e.data.length : e.size ?? 0;
          const h2 = planHeader(name, false, void 0, size2, epoch);
          if (h2.pax) pack.push(h2.pax);
          header = { name: h2.name, type: "file", mode: S_IFREG | perm, size: size2 };
          body = e.data ? "data" : size2 > 0 ? "source" : "none";
          if (body === "source" && e.source === void 0) throw buildError(`internal error: ${latin1(e.path).toString("utf8")} has neither data nor a source`);
          contentBytes += size2;
        }
      }
      Object.assign(header, { uid: 0, gid: 0, uname: "", gname: "", mtime });
      await writeEntry2(pack, header, body === "data" ? e.data : body === "source" ? e.source : void 0);
      count2++;
      opts2.onProgress?.(contentBytes);
    }
    pack.finalize();
    await piped;
    if (child) await child;
  } catch (err) {
    pack.destroy();
    child?.stdin?.destroy();
    await piped.catch(() => void 0);
    const zstdErr = child ? await child.then(() => void 0, (e) => e) : void 0;
    await fsp16.rm(out.path, { force: true });
    if (err instanceof ImgsmithError) throw err;
    if (zstdErr instanceof ExecaError) {
      if (zstdErr.code === "ENOENT") throw new ToolMissingError("zstd", `zstd was not found: install it (Debian package "zstd") or use --no-compress`);
      const first = String(zstdErr.stderr ?? "").trim().split("\n")[0] ?? "";
      throw toolFailed("zstd", `zstd failed to compress ${out.path}: ${first || zstdErr.shortMessage}`, zstdErr);
    }
    throw buildError(`cannot write ${out.path}: ${err.message}`, err);
  }
  const size = (await fsp16.stat(out.path)).size;
  const sha256 = child ? await sha256File(out.path) : counting.hash.digest("hex");
  return { size, sha256, entries: count2, tarSize: counting.bytes };
}
function spawnZstd(level, file) {
  return execa("zstd", ["-T0", `-${level}`, "-q", "--no-progress", "-c"], { stdin: "pipe", stdout: { file }, stderr: "pipe" });
}
async function writeEntry2(pack, header, body) {
  const done = new Promise((resolve2, reject) => {
    const entry = pack.entry(header, (err) => err ? reject(err) : resolve2());
    if (body === void 0) {
      if (header.type === "file") entry.end(void 0);
      return;
    }
    if (Buffer.isBuffer(body)) {
      entry.end(body);
      return;
    }
    void streamFile(body, header.size ?? 0, entry).catch((err) => {
      entry.destroy(err);
      reject(err);
    });
  });
  await done;
}
async function streamFile(source, size, entry) {
  const host = latin1(source);
  let n2 = 0;
  try {
    for await (const chunk of createReadStream3(host, { highWaterMark: 1 << 20 })) {
      const c3 = chunk;
      n2 += c3.length;
      if (n2 > size) break;
      if (!entry.write(c3)) await once9(entry, "drain");
    }
  } catch (err) {
    throw buildError(`cannot read ${host.toString("utf8")}: ${err.message}`, err);
  }
  if (n2 !== size) throw buildError(`${host.toString("utf8")} changed while it was being archived (expected ${size} bytes, read ${n2 > size ? "more" : n2})`);
  entry.end(void 0);
}

// src/outputs/tar-sources.ts
async function* fileTreeTarEntries(tree) {
  for (const e of walkTree(tree)) {
    switch (e.kind) {
      case "dir":
        yield { path: e.path, kind: "dir", mode: e.mode };
        break;
      case "file":
        yield { path: e.path, kind: "file", mode: e.mode, size: e.size, source: e.source, ...e.linkKey ? { linkKey: e.linkKey } : {} };
        break;
      case "data":
        yield { path: e.path, kind: "file", mode: e.mode, size: e.data.length, data: e.data };
        break;
      case "symlink":
        yield { path: e.path, kind: "symlink", mode: 511, target: e.target };
        break;
    }
  }
}

// src/outputs/nix-tarball.ts
import path27 from "node:path";
function nixTarballTopDir(version, system) {
  return `nix-${version}-${system}`;
}
var INSTALL_SCRIPT = `#!/bin/sh
# Installs the store paths of this tarball into a Nix store and registers them.
# Usage: ./install [ROOT]   (ROOT/nix/store; default: /nix/store)
# Needs nix-store in PATH (or NIX_STORE_CMD=/path/to/nix-store).
set -eu
umask 0022
self=$(cd "$(dirname "$0")" && pwd)
root=\${1:-}
case $root in /* | "") ;; *) root="$(pwd)/$root" ;; esac
nix_store=\${NIX_STORE_CMD:-nix-store}
dest="$root/nix/store"
if [ ! -f "$self/.reginfo" ]; then
    echo "$0: incomplete tarball: .reginfo is missing" >&2
    exit 1
fi
mkdir -p "$dest" "$root/nix/var/nix"
for p in "$self"/store/*; do
    [ -e "$p" ] || [ -L "$p" ] || continue
    name=$(basename "$p")
    [ -e "$dest/$name" ] && continue
    tmp="$dest/$name.tmp.$$"
    rm -rf "$tmp"
    cp -RPp "$p" "$tmp"
    mv "$tmp" "$dest/$name"
done
if [ -n "$root" ]; then
    "$nix_store" --store "local?root=$root" --load-db < "$self/.reginfo"
else
    "$nix_store" --load-db < "$self/.reginfo"
fi
echo "$0: installed $(ls "$self/store" | wc -l) store paths into $dest" >&2
`;
function nixTarballEntries(closure, topDir) {
  const top = `/${fromUtf8(topDir)}`;
  const tree = new FileTree();
  tree.ensureDir(`${top}/store`);
  tree.add(`${top}/.reginfo`, { kind: "data", mode: 292, data: closure.registration });
  tree.add(`${top}/install`, { kind: "data", mode: 365, data: Buffer.from(INSTALL_SCRIPT) });
  for (const p of closure.storePaths) tree.addHost(`${top}/store/${fromUtf8(path27.posix.basename(p))}`, fromUtf8(closure.hostPath(p)));
  return fileTreeTarEntries(tree);
}

// src/outputs/tar-product.ts
async function writeTarProduct(spec, input2) {
  const file = `${input2.base}.tar${input2.zstdLevel !== void 0 ? ".zst" : ""}`;
  const out = path28.join(input2.dir, file);
  let entries;
  let root;
  let extra;
  if (spec.type === "rootfs") {
    entries = fileTreeTarEntries(input2.trees[input2.partitionIndex(spec.partition)]);
    root = "./";
    extra = { partition: spec.partition };
  } else {
    if (!input2.closure) throw new Error("internal error: nix-binary-tarball without a closure");
    const topDir = nixTarballTopDir(input2.label, input2.system);
    entries = nixTarballEntries(await input2.closure(), topDir);
    root = "";
    extra = { topDir };
  }
  const r = await writeTar(entries, { path: out, ...input2.zstdLevel !== void 0 ? { compress: { level: input2.zstdLevel } } : {} }, input2.epoch, {
    root,
    ...input2.onProgress ? { onProgress: input2.onProgress } : {}
  });
  return {
    path: out,
    manifest: {
      type: spec.type,
      file,
      size: r.size,
      sha256: r.sha256,
      entries: r.entries,
      ...input2.zstdLevel !== void 0 ? { compressor: "zstd", level: input2.zstdLevel } : {},
      ...extra
    },
    ...spec.type === "nix-binary-tarball" ? { hydraSubtype: "binary-dist" } : {}
  };
}
var tarOutput2 = {
  name: "tar",
  enabled: (plan) => plan.spec.output.tar !== void 0,
  tools: (plan) => plan.compress ? ["zstd"] : [],
  async make(input2) {
    const { spec, tmp, base, rel, compress, progress } = input2;
    const tp = progress.phase("tar");
    const tar = await writeTarProduct(spec.output.tar, {
      trees: input2.trees,
      partitionIndex: (name) => spec.partitions.findIndex((p) => p.name === name),
      ...input2.closure ? { closure: input2.closure } : {},
      dir: tmp,
      base,
      label: safeName(input2.label),
      system: spec.system,
      epoch: input2.epoch,
      ...compress ? { zstdLevel: spec.output.zstdLevel } : {}
    });
    tp.end({ size: tar.manifest.size });
    const file = rel(tar.manifest.file);
    return {
      output: "tar",
      files: [[tar.path, file]],
      checksums: [[tar.path, file, tar.manifest.sha256]],
      // The manifest and the Hydra product name the tarball without output.directory (as they always did).
      manifest: { tar: tar.manifest },
      ...tar.hydraSubtype ? { hydra: [[tar.hydraSubtype, tar.manifest.file]] } : {},
      paths: { tarPath: path28.join(input2.outDir, file) }
    };
  }
};

// src/outputs/checksums.ts
var checksumsOutput = {
  name: "checksums",
  enabled: () => true,
  async make({ made }) {
    const files = [];
    for (const m of made) {
      for (const [tmpPath, name, sha256] of m.checksums ?? []) files.push([await writeSha256File(tmpPath, sha256), `${name}.sha256`]);
    }
    return { output: "checksums", files };
  }
};

// src/outputs/hydra.ts
import { mkdir, readFile, writeFile as writeFile3 } from "node:fs/promises";
import path29, { join, resolve } from "node:path";
var HYDRA_PRODUCT_LINE = /^([a-zA-Z0-9_-]+)[ \t\v\f\r]+([a-zA-Z0-9_-]+)[ \t\v\f\r]+("[^"]+"|[^ \t\n\v\f\r<>"]+)([ \t\v\f\r]+([^ \t\n\v\f\r<>]+))?$/;
var HYDRA_PRODUCT_NAME = /^[a-zA-Z0-9.@:_+ -]*$/;
function hydraProductLine(subtype, path35) {
  if (!/^[a-zA-Z0-9_-]+$/.test(subtype)) throw buildError(`invalid Hydra product subtype "${subtype}"`);
  if (/["\n\r]/.test(path35)) throw buildError(`cannot publish ${JSON.stringify(path35)} as a Hydra product: the path contains a quote or a newline`);
  if (!path35.startsWith("/")) throw buildError(`cannot publish ${JSON.stringify(path35)} as a Hydra product: the path must be absolute`);
  const name = path35.slice(path35.lastIndexOf("/") + 1);
  if (!HYDRA_PRODUCT_NAME.test(name)) {
    throw buildError(`cannot publish ${JSON.stringify(path35)} as a Hydra product: Hydra accepts only file names of [a-zA-Z0-9.@:_+ -]`);
  }
  const p = /[\s<>]/.test(path35) ? `"${path35}"` : path35;
  const line = `file ${subtype} ${p}`;
  if (!HYDRA_PRODUCT_LINE.test(line)) throw buildError(`cannot publish ${JSON.stringify(path35)} as a Hydra product: Hydra's parser would not accept the line`);
  return `${line}
`;
}
async function writeHydraProducts(outDir, opts2) {
  if (!/^\S+$/.test(opts2.system)) throw buildError(`invalid Nix system "${opts2.system}"`);
  const dir = join(outDir, "nix-support");
  const productsPath = join(dir, "hydra-build-products");
  const systemPath = join(dir, "system");
  const newLines = [hydraProductLine(opts2.subtype ?? "sd-image", resolve(opts2.imagePath))];
  for (const x of opts2.extra ?? []) newLines.push(hydraProductLine(x.subtype, resolve(x.path)));
  try {
    await mkdir(dir, { recursive: true });
    await writeFile3(systemPath, `${opts2.system}
`);
    let existing = "";
    try {
      existing = await readFile(productsPath, "utf8");
    } catch (err) {
      if (err.code !== "ENOENT") throw err;
    }
    const lines = existing.split("\n");
    const add = newLines.filter((line) => !lines.includes(line.slice(0, -1)));
    if (add.length) {
      const sep = existing === "" || existing.endsWith("\n") ? "" : "\n";
      await writeFile3(productsPath, existing + sep + add.join(""));
    }
  } catch (err) {
    if (err instanceof ImgsmithError) throw err;
    throw buildError(`cannot write the Hydra build products in ${dir}: ${err.message}`, err);
  }
  return { productsPath, systemPath };
}
var hydraOutput = {
  name: "hydra",
  enabled: () => true,
  async make({ made, tmp, outDir, spec }) {
    const products = made.flatMap((m) => m.hydra ?? []);
    const [first, ...rest] = products;
    if (!first) throw new Error("internal error: no Hydra product");
    await writeHydraProducts(tmp, {
      imagePath: path29.join(outDir, first[1]),
      subtype: first[0],
      system: spec.system,
      ...rest.length ? { extra: rest.map(([subtype, file]) => ({ subtype, path: path29.join(outDir, file) })) } : {}
    });
    return { output: "hydra", files: [[path29.join(tmp, "nix-support"), "nix-support"]] };
  }
};

// src/outputs/manifest.ts
import { writeFile as writeFile4 } from "node:fs/promises";
import path30 from "node:path";
var KEY_ORDER = [
  "imgsmith",
  "spec",
  "image",
  "table",
  "partitions",
  "inputs",
  "tools",
  "index",
  "name",
  "version",
  "type",
  "file",
  "path",
  "dir",
  "start",
  "size",
  "sha256",
  "compressor",
  "level",
  "compressed",
  "bmap",
  "blockSize",
  "blocksCount",
  "mappedBlocksCount",
  "bootable",
  "guid",
  "partuuid",
  "label",
  "uuid",
  "filesystem",
  "stats"
];
var KEY_RANK = new Map(KEY_ORDER.map((k, i2) => [k, i2]));
function compareKeys(a2, b) {
  const ra = KEY_RANK.get(a2);
  const rb = KEY_RANK.get(b);
  if (ra !== void 0 && rb !== void 0) return ra - rb;
  if (ra !== void 0) return -1;
  if (rb !== void 0) return 1;
  return a2 < b ? -1 : a2 > b ? 1 : 0;
}
function canonical(value, where2) {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw buildError(`manifest value ${where2} is not a finite number`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i2) => canonical(v, `${where2}[${i2}]`));
  if (typeof value === "object") {
    const out = {};
    for (const key of Object.keys(value).sort(compareKeys)) {
      const v = value[key];
      if (v === void 0) continue;
      out[key] = canonical(v, `${where2}.${key}`);
    }
    return out;
  }
  throw buildError(`manifest value ${where2} has unsupported type ${typeof value}`);
}
function stableJson(value) {
  return `${JSON.stringify(canonical(value, "$"), null, 2)}
`;
}
function manifestJson(manifest) {
  const m = manifest.inputs.firmware ? {
    ...manifest,
    inputs: {
      ...manifest.inputs,
      firmware: {
        ...manifest.inputs.firmware,
        files: [...manifest.inputs.firmware.files].sort((a2, b) => a2.path < b.path ? -1 : a2.path > b.path ? 1 : 0)
      }
    }
  } : manifest;
  return stableJson(m);
}
async function writeManifest(path35, manifest) {
  const text = manifestJson(manifest);
  try {
    await writeFile4(path35, text);
  } catch (err) {
    throw buildError(`cannot write the manifest ${path35}: ${err.message}`, err);
  }
}
function merge(a2, b) {
  const out = { ...a2 };
  for (const [k, v] of Object.entries(b)) {
    const old = out[k];
    out[k] = v !== null && typeof v === "object" && !Array.isArray(v) && old !== null && typeof old === "object" && !Array.isArray(old) ? merge(old, v) : v;
  }
  return out;
}
var manifestOutput = {
  name: "manifest",
  enabled: () => true,
  async make({ made, manifestBase, image, pass, rel, tmp, outDir }) {
    let m = merge(await manifestBase(), { image: { file: rel(image.name), size: image.size, ...pass.sha256 !== void 0 ? { sha256: pass.sha256 } : {} } });
    for (const x of made) if (x.manifest) m = merge(m, x.manifest);
    const manifest = m;
    const file = path30.join(tmp, "manifest.json");
    await writeManifest(file, manifest);
    const manifestPath = path30.join(outDir, "manifest.json");
    return { output: "manifest", files: [[file, "manifest.json"]], manifest, paths: { manifestPath }, listed: [manifestPath] };
  }
};

// src/outputs/index.ts
var outputs = [zstdOutput, imageOutput, bmapOutput, tarOutput2, checksumsOutput, hydraOutput, manifestOutput];

// src/input-roots.ts
import { promises as fsp17 } from "node:fs";
import path31 from "node:path";
var copySource = (root, rel) => isGlob(path31.posix.basename(rel)) ? path31.join(root, path31.posix.dirname(rel)) : path31.join(root, rel);
async function inputRoots(spec, roots, closure) {
  const out = [];
  for (const [i2, p] of spec.partitions.entries()) {
    for (const [j, c3] of p.contents.entries()) {
      const root = c3.kind === "copy" ? roots[c3.from] : void 0;
      if (c3.kind === "copy" && root !== void 0) out.push({ what: `the source of spec.partitions[${i2}].contents[${j}]`, path: copySource(root, c3.path) });
      if (c3.kind !== "generate") continue;
      for (const r of generators[c3.generator].reads ?? []) {
        if (roots[r] !== void 0) out.push({ what: r === "toplevel" ? "--toplevel" : `the ${r} directory`, path: roots[r] });
      }
    }
    for (const s of driverFor(p.filesystem).sources?.(p.filesystem) ?? []) {
      if (roots[s.from] !== void 0) out.push({ what: `the source of spec.partitions[${i2}]`, path: copySource(roots[s.from], s.path) });
    }
  }
  if (closure.used && closure.dir !== void 0) {
    out.push({ what: "the closure", path: closure.dir });
    const storeDir = await closureStoreDir(closure.dir);
    if (storeDir !== void 0) out.push({ what: "the store directory of the closure", path: storeHostPath(closure.storeRoot)(storeDir) });
  }
  return out;
}
async function closureStoreDir(dir) {
  let text;
  try {
    const st = await fsp17.stat(dir);
    const file = st.isDirectory() ? path31.join(dir, "store-paths") : dir;
    if (!(await fsp17.stat(file)).isFile()) return void 0;
    const fh = await fsp17.open(file, "r");
    try {
      const buf = Buffer.alloc(4096);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      text = buf.toString("utf8", 0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return void 0;
  }
  const first = text.split("\n").map((l) => l.trim()).find((l) => l.startsWith("/"));
  return first ? path31.posix.dirname(first) : void 0;
}
async function realPathOf(p) {
  const abs = path31.resolve(p);
  const rest = [];
  for (let cur = abs; ; cur = path31.dirname(cur)) {
    try {
      return path31.join(await fsp17.realpath(cur), ...rest.reverse());
    } catch (err) {
      const code = err.code;
      if (code !== "ENOENT" && code !== "ENOTDIR" || cur === path31.dirname(cur)) return void 0;
      rest.push(path31.basename(cur));
    }
  }
}
var inside = (child, parent) => child === parent || child.startsWith(parent.endsWith("/") ? parent : `${parent}/`);
async function checkOutputPlacement(outDir, inputs) {
  const out = await realPathOf(outDir);
  if (out === void 0) return;
  for (const input2 of inputs) {
    const real = await realPathOf(input2.path);
    if (real === void 0) continue;
    const shown = real === input2.path ? input2.path : `${input2.path} (${real})`;
    if (inside(out, real)) {
      throw usageError(
        `the output directory ${outDir} is inside ${input2.what}, ${shown}: the image would contain imgsmith's own temporary files and outputs; use an output directory outside the build's inputs`
      );
    }
    if (inside(real, out) && path31.relative(out, real).split(path31.sep)[0].startsWith(TMP_PREFIX)) {
      throw usageError(`${input2.what}, ${shown}, is inside a temporary directory of the output directory ${outDir}, which the build removes; move the input out of it`);
    }
  }
}

// src/build.ts
var MAX_EPOCH = 4294967295;
function buildEpoch() {
  const s = process.env.SOURCE_DATE_EPOCH;
  if (s === void 0 || s === "") return 1;
  if (!/^\d+$/.test(s)) throw usageError(`SOURCE_DATE_EPOCH must be a whole number of seconds, got "${s}"`);
  if (Number(s) > MAX_EPOCH) {
    throw usageError(
      `SOURCE_DATE_EPOCH=${s} is too large: the latest time every supported filesystem stores exactly is ${MAX_EPOCH} (2106-02-07 06:28:15 UTC); use a smaller value`
    );
  }
  return Number(s);
}
var LONGEST_SUFFIX2 = ".img.zst.sha256";
var NAME_MAX2 = 255;
function checkLabel(spec, label2, from) {
  const bad = /[\x00-\x1f\x7f-\x9f]/.exec(label2);
  if (bad) {
    throw usageError(`${from} contains a control character (${JSON.stringify(bad[0])} at position ${bad.index}): use a label without control characters or newlines`);
  }
  const base = spec.output.name.replaceAll("{name}", spec.name).replaceAll("{label}", label2).replaceAll("{system}", spec.system);
  const bytes = Buffer.byteLength(base + LONGEST_SUFFIX2);
  if (bytes > NAME_MAX2) {
    throw usageError(
      `${from} is too long: the output file name "${base.slice(0, 40)}...${LONGEST_SUFFIX2}" would be ${bytes} bytes, the limit is ${NAME_MAX2}; use a label at most ${Math.max(0, NAME_MAX2 - (bytes - Buffer.byteLength(label2)))} bytes long`
    );
  }
}
async function checkInputDir(opt, p) {
  if (p === void 0) return void 0;
  const abs = path32.resolve(p);
  let st;
  try {
    st = await fsp18.stat(abs);
  } catch {
    throw usageError(`${opt} ${p}: no such file or directory`);
  }
  if (!st.isDirectory()) throw usageError(`${opt} ${p}: not a directory`);
  return abs;
}
async function prepareOutDir(outDir, progress) {
  const abs = path32.resolve(outDir);
  try {
    await fsp18.mkdir(abs, { recursive: true });
    await fsp18.access(abs, fsc6.W_OK);
  } catch (err) {
    throw resourceError(err, { outDir }) ?? buildError(`cannot write to output directory ${outDir}: ${err.code ?? err.message}`);
  }
  for (const d of await removeStaleTempDirs(abs)) {
    progress.event("warning", { message: `removed ${d}, left by a build that was killed` });
  }
  return abs;
}
async function makeBuildTmp(outDir, shown) {
  try {
    return await makeTempDir(outDir, TMP_PREFIX);
  } catch (err) {
    throw resourceError(err, { outDir: shown }) ?? buildError(`cannot write to output directory ${shown}: ${err.code ?? err.message}`);
  }
}
async function readLabel(toplevel) {
  if (!toplevel) return void 0;
  try {
    return (await readRegularText(path32.join(toplevel, "nixos-version"))).trim() || void 0;
  } catch {
    return void 0;
  }
}
function usedRoots(spec) {
  const roots = /* @__PURE__ */ new Set();
  for (const p of spec.partitions) {
    for (const c3 of p.contents) {
      if (c3.kind === "copy") roots.add(c3.from);
      if (c3.kind === "generate") for (const r of generators[c3.generator].reads ?? []) roots.add(r);
    }
    for (const s of driverFor(p.filesystem).sources?.(p.filesystem) ?? []) roots.add(s.from);
  }
  return roots;
}
var usesClosure = (spec) => spec.partitions.some((p) => p.contents.some((c3) => c3.kind === "generate" && c3.generator === "closure")) || spec.output.tar?.type === "nix-binary-tarball";
async function buildImage(opts2) {
  const progress = opts2.progress ?? silentProgress;
  const epoch = buildEpoch();
  const spec = await loadSpec(opts2.specPath);
  if (opts2.diskSize !== void 0) spec.diskSize = opts2.diskSize;
  const firmware = await checkInputDir("--firmware", opts2.firmware);
  const closureDir = opts2.closure === void 0 ? void 0 : path32.resolve(opts2.closure);
  const storeRoot = await checkInputDir("--store-root", opts2.storeRoot);
  let topArg = opts2.toplevel;
  if (topArg !== void 0 && storeRoot && path32.isAbsolute(topArg) && !await fsp18.lstat(topArg).then(() => true, () => false)) {
    topArg = storeRoot + path32.resolve(topArg);
  }
  const toplevel = await checkInputDir("--toplevel", topArg);
  const roots = usedRoots(spec);
  if (roots.has("firmware") && !firmware) throw usageError(`${opts2.specPath} copies firmware files: give --firmware DIR`);
  if (roots.has("toplevel") && !toplevel) throw usageError(`${opts2.specPath} needs the NixOS system: give --toplevel PATH`);
  if (usesClosure(spec) && !closureDir) throw usageError(`${opts2.specPath} includes a Nix closure: give --closure DIR (a closureInfo directory)`);
  const inputDirs = { spec: spec.specDir, ...firmware ? { firmware } : {}, ...toplevel ? { toplevel } : {} };
  await checkOutputPlacement(opts2.outDir, await inputRoots(spec, inputDirs, { ...closureDir ? { dir: closureDir } : {}, ...storeRoot ? { storeRoot } : {}, used: usesClosure(spec) }));
  const fromVersion = opts2.label === void 0 ? await readLabel(toplevel) : void 0;
  const label2 = opts2.label ?? fromVersion ?? spec.name;
  checkLabel(spec, label2, opts2.label !== void 0 ? "--label" : fromVersion !== void 0 ? `the label read from ${toplevel}/nixos-version` : "the spec name");
  const base = outputBaseName(spec.output.name, { name: spec.name, label: label2, system: spec.system }, opts2.label !== void 0 ? "spec.output.name with --label" : "spec.output.name");
  const sub = spec.output.directory;
  const plan = {
    spec,
    base,
    label: label2,
    compress: opts2.compress ?? spec.output.compress !== "none",
    keepRaw: opts2.keepRaw === true,
    bmap: opts2.bmap ?? spec.output.bmap,
    // Image files go to output.directory (nixpkgs' "sd-image/") when given; manifest and nix-support stay at the top.
    rel: (name) => sub ? `${sub}/${name}` : name
  };
  const active = outputs.filter((o2) => o2.enabled(plan));
  const toolchain = await probeToolchain(toolNames(spec, plan, active));
  const tools = toolchain.versions;
  progress.event("toolchain", { tools: Object.fromEntries(toolchain.tools.map((t) => [t.name, { version: t.version, path: t.path }])), node: { version: process.versions.node, path: process.execPath } });
  for (const message of toolchain.warnings) progress.event("warning", { message });
  const outDir = await prepareOutDir(opts2.outDir, progress);
  const tmp = await makeBuildTmp(outDir, opts2.outDir);
  try {
    await testHook("build", (name, data) => progress.event(name, data));
    const env = { firmware, toplevel, closureDir, ...storeRoot ? { storeRoot } : {}, outDir, tmp, epoch, progress, plan, outputs: active, tools, specPath: opts2.specPath, strict: opts2.strict === true };
    return await buildInto(spec, env);
  } finally {
    await removeTempDir(tmp);
  }
}
async function buildInto(spec, env) {
  const stage = new Stage(spec, env);
  const contents = await stage.contents(spec);
  const measured2 = await stage.measure(spec, contents);
  const planned = stage.plan(spec, measured2);
  const written = await stage.write(spec, measured2, planned);
  const made = await stage.package(spec, contents, planned, written);
  return stage.publish(made);
}
var Stage = class {
  constructor(spec, env) {
    this.env = env;
    this.roots = { spec: spec.specDir, ...env.firmware ? { firmware: env.firmware } : {}, ...env.toplevel ? { toplevel: env.toplevel } : {} };
    this.ctx = { tmpDir: env.tmp, progress: env.progress, epoch: env.epoch, background: (w) => this.background.push(w), roots: this.roots };
  }
  env;
  background = [];
  ctx;
  roots;
  /** 1. The file tree of every partition (read, never loaded: host directories stay where they are). */
  async contents(spec) {
    const { env } = this;
    let closure;
    const readClosure = env.closureDir ? () => closure ??= readClosureInfo(env.closureDir, env.storeRoot ? { storeRoot: env.storeRoot } : {}) : void 0;
    const inputs = {
      roots: this.roots,
      ...readClosure ? { closure: readClosure } : {},
      storeHost: storeHostPath(env.storeRoot),
      disk: { table: spec.table, partitions: spec.partitions },
      warn: (message) => env.progress.event("warning", { message }),
      strict: env.strict
    };
    const ph = env.progress.phase("contents");
    const trees = [];
    for (const [i2, p] of spec.partitions.entries()) {
      const where2 = `spec.partitions[${i2}]`;
      const driver = driverFor(p.filesystem);
      const tree = await resolveContents(p.contents, inputs, where2, { noSymlinks: driver.noSymlinks === true, partition: i2 });
      for (const d of driver.reservedDirs ?? []) {
        if (tree.get(d) && tree.get(d).kind !== "dir") {
          throw usageError(`${where2}.contents: the contents put a file at ${d}, which ${p.filesystem.type} reserves for a directory; move it elsewhere`);
        }
      }
      driver.validate(p.filesystem, tree, partitionName(i2, p.name));
      trees.push(tree);
    }
    ph.end({ entries: trees.reduce((n2, t) => n2 + t.size, 0) });
    checkBootable(spec, trees, closure ? await closure : void 0);
    return { trees, ...readClosure ? { closure: readClosure } : {}, closureIfRead: () => closure };
  }
  /** 2. Every filesystem's smallest size (btrfs builds itself here). */
  async measure(spec, { trees }) {
    const pm = this.env.progress.phase("measure");
    const prepared = await Promise.all(
      spec.partitions.map((p, i2) => prepareFs(p.filesystem, trees[i2], { ...this.ctx, partition: `spec.partitions[${i2}]` }, partitionName(i2, p.name)))
    );
    pm.end({ minSizes: prepared.map((p) => p.minimumSize) });
    return { prepared };
  }
  /** 3. The layout (pure) and the partition table. */
  plan(spec, { prepared }) {
    const minSizes = prepared.map((p) => p.minimumSize);
    const plan = planLayout({ spec, minSizes, minReasons: minSizes.map((m, i2) => driverFor(spec.partitions[i2].filesystem).minimumReason?.(spec.partitions[i2].filesystem, m)) });
    validateTable(plan);
    const table2 = buildPartitionTable(plan);
    this.env.progress.event("plan", {
      diskSize: plan.diskSize,
      partitions: plan.partitions.map((p) => ({ name: p.name, start: p.start, size: p.size }))
    });
    return { plan, table: table2 };
  }
  /** 4. A sparse file of the final size, the table, then every filesystem (concurrently). */
  async write(spec, { prepared }, { plan, table: table2 }) {
    const { env } = this;
    const name = `${env.plan.base}.img`;
    const img = path32.join(env.tmp, name);
    const fh = await fsp18.open(img, "wx");
    try {
      await fh.truncate(plan.diskSize);
    } catch (err) {
      throw resourceError(err, { file: path32.join(env.outDir, name), bytes: plan.diskSize, outDir: env.outDir }) ?? err;
    } finally {
      await fh.close();
    }
    await writePartitionTable(img, table2);
    const tracks = [];
    let early;
    if (env.plan.compress) {
      const workDir = path32.join(env.tmp, "zstd-frames");
      await fsp18.mkdir(workDir);
      const z = early = new ChunkedZstd(img, plan.diskSize, { level: spec.output.zstdLevel, workDir });
      this.ctx.watchWrites = (start, end) => ({
        env: { IMGSMITH_SHIM_WRITELOG: "3", IMGSMITH_SHIM_IMAGE: img },
        attach: (log2) => {
          const t = z.track(log2, start, end);
          t.catch(() => void 0);
          tracks.push(t);
        },
        invalidate: () => z.invalidate(start, end)
      });
    }
    let waiting = spec.partitions.filter((p) => !driverFor(p.filesystem).inProcess).length;
    let toolsRunning;
    const allToolsRunning = new Promise((r) => toolsRunning = r);
    const oneStarted = () => {
      if (--waiting <= 0) toolsRunning();
    };
    if (waiting <= 0) toolsRunning();
    const writing = Promise.all(
      spec.partitions.map(async (p, i2) => {
        const pp = plan.partitions[i2];
        const inProcess = driverFor(p.filesystem).inProcess === true;
        let started = false;
        const started1 = () => {
          if (!started) {
            started = true;
            oneStarted();
          }
        };
        if (inProcess) await allToolsRunning;
        const w = env.progress.phase(`write:${p.name}`);
        try {
          const r = await prepared[i2].write({ imagePath: img, offset: pp.start, size: pp.size }, { ...this.ctx, partition: `spec.partitions[${i2}]`, toolStarted: started1 });
          w.end({ type: r.type });
          return r;
        } finally {
          if (!inProcess) started1();
        }
      })
    );
    let reports;
    try {
      reports = await writing;
      await Promise.all(tracks);
    } catch (err) {
      await Promise.allSettled(tracks);
      await early?.abort();
      throw err;
    } finally {
      delete this.ctx.watchWrites;
    }
    return { image: { path: img, name, size: plan.diskSize }, reports, ...early ? { early } : {} };
  }
  /** 5. One pass over the image (its hash, and the bmap and zstd when asked for), then every output's files. */
  async package(spec, contents, { plan, table: table2 }, { image, reports, early }) {
    const { env } = this;
    const pk = env.progress.phase(env.plan.compress ? "compress" : "checksum", plan.diskSize, "bytes");
    const asked = Object.assign({}, ...env.outputs.map((o2) => o2.pass?.(env.plan, env.tmp) ?? {}));
    const pass = await packageImage(image.path, {
      ...asked,
      // The raw image's SHA-256 only when an output asks for it (the published .img).
      sha256: asked.sha256 === true,
      ...asked.zstd && early ? { zstd: { ...asked.zstd, early } } : {},
      onProgress: (d, t) => pk.update(d, t)
    });
    pk.end();
    if (pass.zstdFrames) env.progress.event("zstd-frames", { ...pass.zstdFrames });
    const manifestBase = () => this.manifestBase(spec, contents, plan, table2, reports);
    const made = [];
    const input2 = { ...env.plan, tmp: env.tmp, outDir: env.outDir, epoch: env.epoch, progress: env.progress, image, pass, trees: contents.trees, ...contents.closure ? { closure: contents.closure } : {}, made, manifestBase };
    for (const o2 of env.outputs) made.push(await o2.make(input2));
    await Promise.all(this.background);
    return made;
  }
  /** 6. Rename everything to its final name, the manifest last (see src/publish.ts). */
  async publish(made) {
    const { env } = this;
    await testHook("publish", (name, data) => env.progress.event(name, data));
    const files = made.flatMap((m) => m.files);
    const i2 = files.findIndex(([, name]) => name === "manifest.json");
    await publishOutputs([...files.slice(0, i2), ...files.slice(i2 + 1), files[i2]], env.outDir, env.tmp);
    const manifest = made.find((m) => m.output === "manifest").manifest;
    return { ...Object.assign({}, ...made.map((m) => m.paths ?? {})), manifestPath: path32.join(env.outDir, "manifest.json"), manifest, files: made.flatMap((m) => m.listed ?? []) };
  }
  /** The manifest's facts that no output owns: imgsmith, the spec, the table, partitions, inputs, tools. */
  async manifestBase(spec, contents, plan, table2, reports) {
    const { env } = this;
    const closure = await contents.closureIfRead();
    return {
      imgsmith: { version: await imgsmithVersion() },
      spec: { name: spec.name, path: path32.resolve(env.specPath), sha256: await sha256File(env.specPath) },
      table: { ...table2.info },
      partitions: plan.partitions.map((pp, i2) => ({
        index: pp.index,
        name: pp.name,
        start: pp.start,
        size: pp.size,
        type: pp.type,
        bootable: pp.bootable,
        ...partitionIds(table2.info, pp.index),
        filesystem: reports[i2]
      })),
      inputs: {
        ...closure && env.closureDir ? { closure: { dir: env.closureDir, storePaths: closure.storePaths.length, registrationSha256: createHash10("sha256").update(closure.registration).digest("hex") } } : {},
        ...env.toplevel ? { toplevel: env.toplevel, toplevelStorePath: await fsp18.realpath(env.toplevel) } : {},
        sourceDateEpoch: env.epoch,
        ...env.firmware ? { firmware: { dir: env.firmware, files: await firmwareHashes(spec, contents.trees, env.firmware) } } : {}
      },
      tools: env.tools
    };
  }
};
var partitionName = (i2, name) => `partition ${i2 + 1} ("${name}")`;
function partitionIds(info, index) {
  if (info.type === "dos") {
    const id = (info.labelId ?? "0x0").replace(/^0x/, "").toLowerCase().padStart(8, "0");
    return { partuuid: `${id}-${index.toString(16).padStart(2, "0")}` };
  }
  const guid = info.partitions.find((p) => p.index === index)?.guid?.toLowerCase();
  return guid ? { guid, partuuid: guid } : { partuuid: "" };
}
function checkBootable(spec, trees, closure) {
  if (!closure) return;
  for (const [i2, p] of spec.partitions.entries()) {
    if (!p.contents.some((c3) => c3.kind === "generate" && c3.generator === "closure")) continue;
    for (const [j, c3] of p.contents.entries()) {
      if (c3.kind !== "generate" || c3.generator !== "extlinux") continue;
      const init = c3.options.init;
      if (typeof init === "string" && !treeHasPath(trees[i2], init)) {
        throw inputError(`spec.partitions[${i2}].contents[${j}].options.init: ${init} does not exist in this filesystem (partition "${p.name}"); give a path inside the closure`);
      }
    }
  }
}
function toolNames(spec, plan, active) {
  const names = /* @__PURE__ */ new Set();
  for (const p of spec.partitions) for (const t of driverFor(p.filesystem).tools(p.filesystem)) names.add(t);
  for (const o2 of active) for (const t of o2.tools?.(plan) ?? []) names.add(t);
  return [...names].sort();
}
async function firmwareHashes(spec, trees, firmwareDir) {
  const out = /* @__PURE__ */ new Map();
  const dir = fromUtf8(firmwareDir) + "/";
  const add = async (source) => {
    if (source.startsWith(dir) && !out.has(source)) out.set(source, await sha256File(Buffer.from(source, "latin1")));
  };
  for (const t of trees) {
    for (const [, e] of t.explicitEntries()) if (e.kind === "file") await add(e.source);
  }
  for (const p of spec.partitions) {
    for (const s of driverFor(p.filesystem).sources?.(p.filesystem) ?? []) if (s.from === "firmware") await add(fromUtf8(path32.join(firmwareDir, s.path)));
  }
  return [...out.entries()].sort(([a2], [b]) => a2 < b ? -1 : 1).map(([p, sha256]) => ({ path: Buffer.from(p.slice(dir.length), "latin1").toString("utf8"), sha256 }));
}
var versionCache;
async function imgsmithVersion() {
  if (!versionCache) {
    const pkg = JSON.parse(await fsp18.readFile(new URL("../package.json", import.meta.url), "utf8"));
    versionCache = pkg.version;
  }
  return versionCache;
}

// action/tools.ts
import { accessSync as accessSync2, constants as fsc7, readFileSync as readFileSync7 } from "node:fs";
import path33 from "node:path";
var REQUIRED_TOOLS = [
  ["mke2fs", "e2fsprogs"],
  ["debugfs", "e2fsprogs"],
  ["dumpe2fs", "e2fsprogs"],
  ["mkfs.btrfs", "btrfs-progs"],
  ["zstd", "zstd"],
  ["fallocate", "util-linux"]
];
function which(command, pathEnv) {
  for (const dir of pathEnv.split(":")) {
    if (!dir) continue;
    const p = path33.join(dir, command);
    try {
      accessSync2(p, fsc7.X_OK);
      return p;
    } catch {
    }
  }
  return void 0;
}
function missingTools(pathEnv) {
  const missing = REQUIRED_TOOLS.filter(([c3]) => which(c3, pathEnv) === void 0);
  return { commands: missing.map(([c3]) => c3), packages: [...new Set(missing.map(([, p]) => p))] };
}
function isDebianLike(osRelease) {
  const ids = [];
  for (const line of osRelease.split("\n")) {
    const m = /^(ID|ID_LIKE)=(.*)$/.exec(line.trim());
    if (m) ids.push(...m[2].replace(/^["']|["']$/g, "").split(/\s+/));
  }
  return ids.some((id) => id === "debian" || id === "ubuntu");
}
function readOsRelease(file) {
  try {
    return readFileSync7(file, "utf8");
  } catch {
    return "";
  }
}
function installPlan(packages, opts2) {
  const apt = opts2.apt ?? "apt-get";
  let pre = [];
  if (!opts2.apt && !opts2.root) {
    if (!opts2.sudo) return { error: "not running as root and sudo is not available" };
    pre = [opts2.sudo, "-n"];
  }
  return {
    commands: [
      [...pre, apt, "update", "-q"],
      [...pre, "env", "DEBIAN_FRONTEND=noninteractive", apt, "install", "-y", "-q", "--no-install-recommends", ...packages]
    ]
  };
}

// action/main.ts
var ActionFailure = class extends Error {
};
var log = (line) => void process.stdout.write(`${line}
`);
function escapeData(s) {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function input(name) {
  return (process.env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}
function booleanInput(name, def) {
  const v = input(name);
  if (v === "") return def;
  if (["true", "True", "TRUE"].includes(v)) return true;
  if (["false", "False", "FALSE"].includes(v)) return false;
  throw new ActionFailure(`input "${name}": expected true or false, got ${JSON.stringify(v)}`);
}
async function pathInput(name, kind, opts2) {
  const v = input(name);
  if (v === "") {
    if (opts2.required) throw new ActionFailure(`input "${name}" is required: ${opts2.what}`);
    return void 0;
  }
  let st;
  try {
    st = await fsp19.stat(v);
  } catch (err) {
    if (opts2.storeRoot !== void 0 && path34.isAbsolute(v)) {
      try {
        st = await fsp19.stat(path34.join(opts2.storeRoot, v));
      } catch {
      }
    }
    if (!st) throw new ActionFailure(`input "${name}": ${v}: ${err.code === "ENOENT" ? "no such file or directory" : err.message}`);
  }
  if (kind === "dir" && !st.isDirectory()) throw new ActionFailure(`input "${name}": ${v}: not a directory (${opts2.what})`);
  if (kind === "file" && !st.isFile()) throw new ActionFailure(`input "${name}": ${v}: not a regular file (${opts2.what})`);
  return v;
}
async function outputDirInput() {
  const v = input("output-dir") || "out";
  try {
    await fsp19.mkdir(v, { recursive: true });
    await fsp19.access(v, fsc8.W_OK);
  } catch (err) {
    const code = err.code;
    throw new ActionFailure(`input "output-dir": cannot write to ${v}: ${code ?? err.message}`);
  }
  return v;
}
function aptInstall(packages, why) {
  const apt = process.env.IMGSMITH_ACTION_APT || void 0;
  const plan = installPlan(packages, { root: process.getuid?.() === 0, sudo: which("sudo", process.env.PATH ?? ""), ...apt ? { apt } : {} });
  if ("error" in plan) return { planned: true, message: plan.error };
  log(`installing ${packages.join(" ")} (${why})`);
  for (const argv of plan.commands) {
    log(`$ ${argv.join(" ")}`);
    const r = spawnSync2(argv[0], argv.slice(1), { stdio: ["ignore", "inherit", "inherit"] });
    if (r.error || r.status !== 0) return { planned: false, message: `${argv.join(" ")} ${r.error ? r.error.message : `exited with ${r.status ?? r.signal}`}` };
  }
  return void 0;
}
function ensureTools() {
  const pathEnv = process.env.PATH ?? "";
  const missing = missingTools(pathEnv);
  if (missing.commands.length === 0) {
    log("build tools: all present");
    return;
  }
  const what = `${missing.commands.join(", ")} (Debian packages: ${missing.packages.join(" ")})`;
  const osRelease = readOsRelease(process.env.IMGSMITH_ACTION_OS_RELEASE || "/etc/os-release");
  if (!isDebianLike(osRelease)) {
    throw new ActionFailure(`missing build tools ${what}; this runner is not Debian or Ubuntu, install them before this step`);
  }
  const failed = aptInstall(missing.packages, `missing: ${missing.commands.join(", ")}`);
  if (failed) throw new ActionFailure(failed.planned ? `missing build tools ${what}; cannot install them: ${failed.message}` : `installing ${missing.packages.join(" ")} failed: ${failed.message}`);
  const still = missingTools(process.env.PATH ?? "");
  if (still.commands.length) throw new ActionFailure(`missing build tools ${still.commands.join(", ")} after installing ${missing.packages.join(" ")}`);
}
function ensureExt4Helper() {
  if (process.env.IMGSMITH_EXT4_POPULATE) return;
  const source = path34.join(path34.dirname(path34.dirname(fileURLToPath6(import.meta.url))), "native", "ext4_populate.c");
  const fallback = (why) => log(`::warning::${escapeData(`the ext4 populate helper could not be built (${why}): ext4 roots are written by mke2fs -d instead, whose images are correct but differ from the imgsmith CLI's`)}`);
  if (!existsSync(source)) return fallback(`${source} is missing`);
  const pathEnv = process.env.PATH ?? "";
  const header = ["/usr/include/ext2fs/ext2fs.h", "/usr/local/include/ext2fs/ext2fs.h"].some((h2) => existsSync(h2));
  if (!which("cc", pathEnv) || !header) {
    const packages = ["gcc", "libc6-dev", "libext2fs-dev"];
    const osRelease = readOsRelease(process.env.IMGSMITH_ACTION_OS_RELEASE || "/etc/os-release");
    if (!isDebianLike(osRelease)) return fallback("no C compiler or libext2fs headers, and this runner is not Debian or Ubuntu");
    const failed = aptInstall(packages, "for the ext4 populate helper");
    if (failed) return fallback(failed.planned ? `cannot install ${packages.join(" ")}: ${failed.message}` : failed.message);
  }
  const hash = createHash11("sha256").update(readFileSync8(source)).digest("hex").slice(0, 16);
  const out = path34.join(process.env.RUNNER_TEMP || os5.tmpdir(), `imgsmith-ext4-populate-${hash}`);
  if (!existsSync(out)) {
    const tmp = `${out}.${process.pid}.tmp`;
    const r = spawnSync2("cc", ["-std=gnu11", "-O2", "-o", tmp, source, "-lext2fs", "-lcom_err"], { stdio: ["ignore", "inherit", "inherit"] });
    if (r.error || r.status !== 0) return fallback(`cc ${r.error ? r.error.message : `exited with ${r.status ?? r.signal}`}`);
    spawnSync2("mv", ["-f", tmp, out]);
  }
  process.env.IMGSMITH_EXT4_POPULATE = out;
  log(`ext4 populate helper: ${out}`);
}
function groupProgress() {
  let active = 0;
  return {
    phase(name) {
      if (active++ === 0) log(`::group::${escapeData(name)}`);
      log(`${name} ...`);
      const start = performance.now();
      let ended = false;
      return {
        update() {
        },
        end() {
          if (ended) return;
          ended = true;
          log(`${name}: done in ${((performance.now() - start) / 1e3).toFixed(1)} s`);
          if (--active === 0) log("::endgroup::");
        }
      };
    },
    event(type, data) {
      if (type === "warning") log(`::warning::${escapeData(String(data.message))}`);
      else if (type === "plan") log(`plan: ${JSON.stringify(data)}`);
    }
  };
}
function setOutputs(outputs2) {
  const file = process.env.GITHUB_OUTPUT;
  for (const [k, v] of Object.entries(outputs2)) log(`output ${k}=${v}`);
  if (!file) return;
  let text = "";
  for (const [k, v] of Object.entries(outputs2)) {
    const delim = `ghadelimiter_${randomUUID()}`;
    text += `${k}<<${delim}
${v}
${delim}
`;
  }
  appendFileSync2(file, text);
}
function checkRunnerFiles() {
  const file = process.env.GITHUB_OUTPUT;
  if (!file) return;
  try {
    closeSync4(openSync4(file, "a"));
  } catch (err) {
    const code = err.code ?? err.message;
    throw new ActionFailure(`GITHUB_OUTPUT ${file} is not writable (${code}): the step could not set its outputs; nothing was built`);
  }
}
async function run2() {
  checkRunnerFiles();
  const storeRoot = await pathInput("store-root", "dir", { what: "where the store paths are on this machine" });
  const spec = await pathInput("spec", "file", { required: true, what: "the JSON image spec, e.g. images/rpi-aarch64.json" });
  const closure = await pathInput("closure", "any", { what: "a closureInfo directory or a file of store paths" });
  const toplevel = await pathInput("toplevel", "any", { what: "the NixOS system (toplevel)", ...storeRoot !== void 0 ? { storeRoot } : {} });
  const firmware = await pathInput("firmware", "dir", { what: "the firmware directory" });
  const compress = booleanInput("compress", true);
  const bmap = booleanInput("bmap", true);
  const outDir = await outputDirInput();
  log("::group::build tools");
  try {
    ensureTools();
    ensureExt4Helper();
  } finally {
    log("::endgroup::");
  }
  const r = await buildImage({
    specPath: spec,
    ...closure !== void 0 ? { closure } : {},
    ...storeRoot !== void 0 ? { storeRoot } : {},
    ...toplevel !== void 0 ? { toplevel } : {},
    ...firmware !== void 0 ? { firmware } : {},
    outDir,
    compress,
    bmap,
    progress: groupProgress()
  });
  const image = r.compressedPath ?? r.imagePath;
  const sha256 = r.manifest.image.compressed?.sha256 ?? r.manifest.image.sha256;
  if (!image || !sha256) throw new ActionFailure("the build wrote no image file");
  setOutputs({ image, sha256, manifest: r.manifestPath, ...r.bmapPath ? { bmap: r.bmapPath } : {} });
}
initProcess();
var off = onInterrupt((sig) => `::error::imgsmith: interrupted by ${sig}; nothing was published`);
try {
  await run2();
} catch (err) {
  const message = err instanceof ActionFailure ? err.message : `imgsmith: ${describeError(err, { interruptedNote: "; nothing was published" }).message.replace(/--(closure|toplevel|firmware|store-root)(?: [A-Z]+)?\b/g, 'input "$1"').replace(/(^|\W)-o\b/g, '$1input "output-dir"')}`;
  log(`::error::${escapeData(message)}`);
  process.exitCode = 1;
} finally {
  off();
}
