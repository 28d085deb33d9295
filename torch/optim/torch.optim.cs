using AnomalyBench.Torch.Optim;

namespace AnomalyBench.Torch;

public static partial class torch
{
    /// <summary>Optimizer factories named as PyTorch's and TorchSharp's <c>torch.optim</c>; they return the classes of <see cref="AnomalyBench.Torch.Optim"/>.</summary>
    public static class optim
    {
        public static Optim.SGD SGD(IEnumerable<Tensor> parameters, double lr = 1e-3, double momentum = 0, double dampening = 0, double weight_decay = 0,
            bool nesterov = false, bool maximize = false) =>
            new(parameters, lr, momentum, dampening, weight_decay, nesterov, maximize);

        public static Optim.SGD SGD(IEnumerable<ParamGroup> param_groups, SGDOptions defaults) => new(param_groups, defaults);

        public static Optim.Adam Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
            double weight_decay = 0, bool amsgrad = false, bool maximize = false) =>
            new(parameters, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize);

        public static Optim.Adam Adam(IEnumerable<ParamGroup> param_groups, AdamOptions defaults) => new(param_groups, defaults);

        public static Optim.AdamW AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
            double weight_decay = 1e-2, bool amsgrad = false, bool maximize = false) =>
            new(parameters, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize);

        public static Optim.AdamW AdamW(IEnumerable<ParamGroup> param_groups, AdamWOptions defaults) => new(param_groups, defaults);

        /// <summary>clovaai's AdamP (not in PyTorch itself): Adam with decoupled decay and the scale-invariance projection.</summary>
        public static Optim.AdamP AdamP(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
            double weight_decay = 0, double delta = 0.1, double wd_ratio = 0.1, bool nesterov = false) =>
            new(parameters, lr, beta1, beta2, eps, weight_decay, delta, wd_ratio, nesterov);

        /// <summary>PyTorch's <c>torch.optim.lr_scheduler</c>.</summary>
        public static class lr_scheduler
        {
            public static Optim.StepLR StepLR(Optimizer optimizer, int step_size, double gamma = 0.1, int last_epoch = -1) =>
                new(optimizer, step_size, gamma, last_epoch);

            public static Optim.MultiStepLR MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1, int last_epoch = -1) =>
                new(optimizer, milestones, gamma, last_epoch);

            public static Optim.CosineAnnealingLR CosineAnnealingLR(Optimizer optimizer, int T_max, double eta_min = 0, int last_epoch = -1) =>
                new(optimizer, T_max, eta_min, last_epoch);
        }
    }
}
