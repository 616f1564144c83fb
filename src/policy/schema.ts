/**
 * The assignable-devices policy (/etc/platpass/policy.json): which host devices platpass may
 * take from their drivers, and for whom. One strict schema, like the config's, whose
 * descriptions are exported into schema/platpass.policy.schema.json. Rules are read in order
 * and the first that matches a device decides; a device no rule matches is not assignable.
 */
import { z } from "zod";
import { SysfsNameSchema } from "../config/schema.js";

/** A user or group: its name, or its numeric id. */
const principal = z.union([z.string().min(1), z.int().min(0)]);

export const PolicyRuleSchema = z
  .strictObject({
    action: z
      .enum(["allow", "deny"])
      .default("allow")
      .describe("What a matching rule decides: allow the device to be assigned, or deny it."),
    name: SysfsNameSchema.optional().describe(
      "The device's sysfs name, exactly, e.g. 'c000000.tpm_tis' (see 'platpass list').",
    ),
    compatible: z
      .string()
      .min(1)
      .optional()
      .describe(
        "A glob matched against each of the device's compatible strings: '*' stands for any run of characters (none included), every other character for itself, compared case-insensitively as the kernel compares compatible strings, e.g. 'snps,dwmac-*'. The rule matches when one of the strings matches.",
      ),
    iommuGroup: z
      .int()
      .min(0)
      .optional()
      .describe("The device's IOMMU group number (/sys/kernel/iommu_groups/N)."),
    users: z
      .array(principal)
      .min(1)
      .optional()
      .describe(
        "Only for these users (names or uids): the one who ran 'sudo platpass' (SUDO_UID), else the user platpass runs as. With 'groups', a member of either list matches.",
      ),
    groups: z
      .array(principal)
      .min(1)
      .optional()
      .describe(
        "Only for members of these groups (names or gids): the sudo user's primary group and the groups /etc/group lists them in, else platpass's own groups.",
      ),
    comment: z
      .string()
      .optional()
      .describe("Why the rule is there; quoted when the rule refuses a device."),
  })
  .superRefine((rule, ctx) => {
    if (rule.name === undefined && rule.compatible === undefined && rule.iommuGroup === undefined) {
      ctx.addIssue({
        code: "custom",
        message:
          "a rule says which devices it is about: give 'name', 'compatible' or 'iommuGroup' (compatible '*' is every device)",
      });
    }
  })
  .describe(
    "One rule: the devices it is about (every selector given must match) and, optionally, for whom.",
  );

export const PolicySchema = z
  .strictObject({
    $schema: z.string().optional().describe("Path or URL of this file's JSON Schema, for editors."),
    rules: z
      .array(PolicyRuleSchema)
      .describe(
        "In order; the first rule that matches a device decides. A device no rule matches is not assignable.",
      ),
  })
  .meta({
    title: "platpass assignable-devices policy",
    description:
      "Which host devices platpass may bind to vfio and assign, and for which users. When this file exists, launch and detach refuse every device it does not allow.",
  });

export type Policy = z.output<typeof PolicySchema>;
export type PolicyRule = Policy["rules"][number];
/** A user or a group as a rule names it. */
export type Principal = z.output<typeof principal>;
