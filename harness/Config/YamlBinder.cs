using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AnomalyBench.Harness.Config;

/// <summary>
/// Binds YAML nodes onto records by their fields' snake_case names (<c>ImageSize</c> is
/// <c>image_size</c>), starting from a defaults instance so that a file only states what it
/// changes. Every mistake — an unknown key, a value of the wrong type, an unknown enum
/// name — is a <see cref="ConfigException"/> with the line and column and the valid names.
/// Methods' hyper-parameter records stay plain C#: this is the only place that knows YAML.
/// </summary>
public sealed class YamlBinder(string file)
{
    public string File { get; } = file;

    public ConfigException Error(YamlNode node, string message) => new(File, node.Start, message);

    /// <summary>A copy of <paramref name="defaults"/> with every field the mapping names replaced.</summary>
    public T Bind<T>(YamlNode node, T defaults, string what) where T : class => (T)BindRecord(node, typeof(T), defaults, what);

    /// <summary>Applies one <c>key: value</c> pair to a copy of <paramref name="record"/>; false when the record has no such field.</summary>
    public bool TrySet(ref object record, string key, YamlNode value, string what)
    {
        var property = FindProperty(record.GetType(), key);
        if (property is null) return false;
        record = Clone(record);
        property.SetValue(record, NotNullUnlessNullable(property, value, Convert(value, property.PropertyType, $"{what}.{key}", property.GetValue(record)), key));
        return true;
    }

    /// <summary>The YAML names of a record's settable fields, in declaration order.</summary>
    public static IReadOnlyList<string> FieldNames(Type type) => Settable(type).Select(p => SnakeCase(p.Name)).ToList();

    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])
                || (i + 1 < name.Length && char.IsUpper(name[i - 1]) && char.IsLower(name[i + 1]))))
                sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    private object BindRecord(YamlNode node, Type type, object defaults, string what)
    {
        if (node is not YamlMappingNode mapping)
            throw Error(node, $"{what} must be a mapping of {string.Join(", ", FieldNames(type))}");
        var record = Clone(defaults);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = Scalar(keyNode, $"a key of {what}");
            if (!seen.Add(key)) throw Error(keyNode, $"'{key}' appears twice in {what}");
            var property = FindProperty(type, key)
                ?? throw Error(keyNode, $"unknown key '{key}' in {what}; valid keys: {string.Join(", ", FieldNames(type))}");
            property.SetValue(record, NotNullUnlessNullable(property, valueNode, Convert(valueNode, property.PropertyType, $"{what}.{key}", property.GetValue(record)), key));
        }
        return record;
    }

    /// <summary>
    /// An empty value (<c>seeds:</c>) reads as null; a field that cannot be null refuses it here, with the line,
    /// instead of failing later with a NullReferenceException far from the file (issue 21).
    /// </summary>
    private object? NotNullUnlessNullable(PropertyInfo property, YamlNode node, object? value, string key)
    {
        if (value is not null || new NullabilityInfoContext().Create(property).WriteState != NullabilityState.NotNull) return value;
        throw Error(node, $"'{key}' has no value; give it one or leave the key out for its default");
    }

    /// <summary>Converts a node to <paramref name="type"/>; <paramref name="current"/> is the default a nested record starts from.</summary>
    public object? Convert(YamlNode node, Type type, string what, object? current = null)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null || !type.IsValueType)
        {
            if (node is YamlScalarNode { Value: null or "null" or "~" or "" } s && s.Style == ScalarStyle.Plain) return null;
        }
        type = underlying ?? type;

        if (type == typeof(string)) return Scalar(node, what);
        if (type == typeof(bool))
        {
            return Scalar(node, what).ToLowerInvariant() switch
            {
                "true" or "yes" or "on" => true,
                "false" or "no" or "off" => false,
                var v => throw Error(node, $"{what} must be true or false, not '{v}'"),
            };
        }
        if (type == typeof(int) || type == typeof(long))
        {
            var v = Scalar(node, what);
            if (!long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
                || (type == typeof(int) && n is < int.MinValue or > int.MaxValue))
                throw Error(node, $"{what} must be a whole number, not '{v}'");
            return type == typeof(int) ? (object)(int)n : n;
        }
        if (type == typeof(double) || type == typeof(float))
        {
            var v = Scalar(node, what);
            if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                throw Error(node, $"{what} must be a number, not '{v}'");
            return type == typeof(float) ? (object)(float)d : d;
        }
        if (type.IsEnum)
        {
            var v = Scalar(node, what);
            // per-category and per_category both name PerCategory.
            var normalized = v.Replace('-', '_');
            foreach (var name in Enum.GetNames(type))
            {
                if (string.Equals(SnakeCase(name), normalized, StringComparison.OrdinalIgnoreCase) || string.Equals(name, v, StringComparison.OrdinalIgnoreCase))
                    return Enum.Parse(type, name);
            }
            throw Error(node, $"{what} must be one of {string.Join(", ", Enum.GetNames(type).Select(SnakeCase))}, not '{v}'");
        }
        if (type.IsArray || (type.IsGenericType && type.GetGenericTypeDefinition() is var g
            && (g == typeof(List<>) || g == typeof(IReadOnlyList<>) || g == typeof(IList<>) || g == typeof(IEnumerable<>))))
        {
            var element = type.IsArray ? type.GetElementType()! : type.GetGenericArguments()[0];
            // A single value where a list is expected is a list of one (seeds: 0).
            var items = node is YamlSequenceNode seq ? seq.Children.ToList() : [node];
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
            for (var i = 0; i < items.Count; i++) list.Add(Convert(items[i], element, $"{what}[{i}]"));
            if (!type.IsArray) return list;
            var array = Array.CreateInstance(element, list.Count);
            list.CopyTo(array, 0);
            return array;
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) && type.GetGenericArguments()[0] == typeof(string))
        {
            if (node is not YamlMappingNode map) throw Error(node, $"{what} must be a mapping");
            var dict = (IDictionary)Activator.CreateInstance(type)!;
            foreach (var (k, v) in map.Children) dict[Scalar(k, $"a key of {what}")] = Convert(v, type.GetGenericArguments()[1], $"{what}.{Scalar(k, what)}");
            return dict;
        }
        if (type.IsClass)
        {
            var start = current ?? Activator.CreateInstance(type)
                ?? throw Error(node, $"{what}: {type.Name} has no defaults to start from");
            return BindRecord(node, type, start, what);
        }
        throw Error(node, $"{what}: values of type {type.Name} cannot be read from YAML");
    }

    public string Scalar(YamlNode node, string what) =>
        node is YamlScalarNode { Value: { } v } ? v : throw Error(node, $"{what} must be a single value, not a {(node is YamlSequenceNode ? "list" : "mapping")}");

    private static PropertyInfo? FindProperty(Type type, string key) =>
        Settable(type).FirstOrDefault(p => SnakeCase(p.Name) == key);

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract");

    /// <summary>Records are copied with their compiler-generated clone (what <c>with</c> calls).</summary>
    private static object Clone(object record)
    {
        var clone = record.GetType().GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance);
        return clone is not null ? clone.Invoke(record, null)! : record;
    }
}
